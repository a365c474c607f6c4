"""Server ``error`` events the session receives: each is logged; one refusing an action nobody waits for is shown."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from onduty.client.app.session import AgentSession
from onduty.client.desk.settings import Settings
from onduty.client.net import AgentClient
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import Error
from onduty.shared.types import Presence

from .conftest import WAIT


@pytest.fixture
def session(qapp: object) -> Iterator[AgentSession]:
    # Never started: nothing connects, events are fed with apply().
    client = AgentClient("ws://127.0.0.1:9/agent", "ann", password="x", request_timeout=WAIT)
    session = AgentSession(client, Settings())
    yield session
    session.deleteLater()


def notices(session: AgentSession) -> list[str]:
    shown: list[str] = []
    session.notice.connect(shown.append)
    return shown


def test_an_unsolicited_error_is_logged_with_code_detail_and_ref(
        session: AgentSession, caplog: pytest.LogCaptureFixture) -> None:
    shown = notices(session)
    with caplog.at_level(logging.WARNING, logger="onduty.client.app.session"):
        session.apply(Error(code=ErrorCode.RATE_LIMITED, detail="slow down", ref="typing"))
        session.apply(Error(code=ErrorCode.MALFORMED_FRAME))
    lines = [r.getMessage() for r in caplog.records if r.name == "onduty.client.app.session"]
    assert [r.levelno for r in caplog.records if r.name == "onduty.client.app.session"] == [logging.WARNING] * 2
    assert "rate_limited" in lines[0] and "slow down" in lines[0] and "typing" in lines[0]
    assert "malformed_frame" in lines[1] and "ref none" in lines[1]
    assert shown == []  # typing and a bad frame are nothing the agent did on purpose


def test_a_refused_action_nobody_waits_for_is_shown_like_other_failures(session: AgentSession) -> None:
    shown = notices(session)
    session.apply(Error(code=ErrorCode.NOT_ALLOWED, detail="no such channel", ref="close_channel"))
    # Duty and presence re-sent by the client after a reconnect: no request of the session waits.
    session.apply(Error(code=ErrorCode.NOT_ALLOWED, ref="set_presence"))
    assert shown == ["Close conversation failed: not_allowed: no such channel",
                     "Changing presence failed: not_allowed"]


async def test_a_refusal_the_sessions_own_request_waits_for_is_shown_once_by_that_request(
        session: AgentSession) -> None:
    shown = notices(session)
    session.set_presence(Presence.AWAY)  # waits for the (never started) connection
    session.apply(Error(code=ErrorCode.NOT_ALLOWED, ref="set_presence"))
    assert shown == []
    await session.stop(off_duty=False)
    session.apply(Error(code=ErrorCode.NOT_ALLOWED, ref="set_presence"))
    assert shown == []  # signing out: nothing to tell any more
