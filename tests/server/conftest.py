from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from onduty.shared.messages import AgentStatus, ChatRequested, Login, LoginOk, RequestChat, Sent, SetDuty
from onduty.shared.types import RequestType

from .harness import PASSWORD, Harness, Wire


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(tmp_path / "data")
    await h.seed()
    await h.start()
    yield h
    await h.close()


async def agent_on_duty(h: Harness, username: str, **login: object) -> tuple[Wire, LoginOk]:
    """Signed in, On Duty and Available."""
    wire = await h.connect("/ws/agent")
    await wire.send(Login(username=username, password=PASSWORD, **login))  # type: ignore[arg-type]
    ok = await wire.expect(LoginOk)
    await wire.send(SetDuty(on_duty=True))
    await wire.until(AgentStatus, lambda s: s.on_duty)
    return wire, ok


async def request(h: Harness, queue: str = "cim-emea", text: str | None = "Hello, I need a processor",
                  **fields: object) -> tuple[Wire, ChatRequested]:
    wire = await h.connect("/ws/requestor")
    await wire.send(RequestChat(queue=queue, name="Rita Requestor", request_type=RequestType.INFORMATIONAL,
                                text=text, client_msg_id="first" if text else None, **fields))  # type: ignore[arg-type]
    requested = await wire.expect(ChatRequested)
    if text:
        sent = await wire.expect(Sent)
        assert (sent.chat_id, sent.seq) == (requested.chat_id, 1)
    return wire, requested
