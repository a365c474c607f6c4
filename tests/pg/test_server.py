"""The server on PostgreSQL, end to end over loopback WebSockets: a chat, and the database lost mid-chat.

While the database is unreachable a ``send`` is refused with ``unavailable`` (never ``sent`` for a message
that was not stored) and ``/healthz`` answers 503; once it is back the resent message (same
``client_msg_id``) is stored once and reaches the agent once.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from onduty.shared.errors import ErrorCode
from onduty.shared.messages import ChatAssigned, ChatMessage, Error, Send, Sent
from tests.pg.proxy import Proxy
from tests.server.conftest import agent_on_duty, request
from tests.server.harness import Harness


@pytest.fixture
async def proxied(pg_url: str, tmp_path: Path) -> AsyncIterator[tuple[Harness, Proxy]]:
    target = urllib.parse.urlsplit(pg_url)
    proxy = Proxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    via = urllib.parse.urlunsplit(target._replace(netloc=f"{target.username}@127.0.0.1:{proxy.port}"))
    h = Harness(tmp_path / "data", store=via)
    await h.seed()
    await h.start()
    yield h, proxy
    await h.close()
    await proxy.close()


async def healthz(h: Harness) -> int:
    assert h.session is not None
    async with h.session.get(h.url("/healthz")) as r:
        return r.status


async def test_a_chat_on_postgresql_survives_losing_the_database_for_a_while(
    proxied: tuple[Harness, Proxy],
) -> None:
    h, proxy = proxied
    ann, _ = await agent_on_duty(h, "ann")
    rita, requested = await request(h)
    chat_id = requested.chat_id
    await ann.until(ChatAssigned)
    assert (await ann.until(ChatMessage)).seq == 1

    proxy.cut()
    await rita.send(Send(chat_id=chat_id, client_msg_id="m2", text="are you there?", req="s2"))
    refused = await rita.until(Error)
    assert (refused.code, refused.req, refused.client_msg_id) == (ErrorCode.UNAVAILABLE, "s2", "m2")
    assert await healthz(h) == 503

    proxy.restore()
    store = h.shell.store
    for _ in range(1000):  # the store reconnects by itself, without a write to push it (pauses 0.1 s up to 5 s)
        if store.healthy:
            break
        await asyncio.sleep(0.02)
    assert await healthz(h) == 200
    await rita.send(Send(chat_id=chat_id, client_msg_id="m2", text="are you there?", req="again"))
    sent = await rita.until(Sent)
    assert (sent.req, sent.seq) == ("again", 2)
    assert (await ann.until(ChatMessage)).seq == 2  # the refused attempt stored nothing: one message, once
