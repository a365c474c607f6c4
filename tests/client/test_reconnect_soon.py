"""Coming back quickly: a sign-in to an address where nothing listens fails at once with the reason; the
backoff is capped so a client is back within about 2 s of the server, with jitter; "Reconnect now" ends the
wait at once. Time is injected: the waits here never elapse by themselves."""

from __future__ import annotations

import asyncio
import random
import socket
import statistics
import time
from typing import Any

import pytest

from onduty.client.net import AgentClient, SessionEnded
from onduty.client.net.backoff import ExponentialBackoff
from onduty.client.net.connection import HANDSHAKE_TIMEOUT_S
from onduty.client.net.events import Reconnecting

from .conftest import WAIT
from .test_agent import login, next_of


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_backoff_is_capped_at_2_s_and_spread_by_jitter() -> None:
    backoff = ExponentialBackoff(rng=random.Random(7))
    assert [round(backoff(n), 2) <= 0.5 * 2 ** (n - 1) for n in (1, 2, 3)] == [True] * 3
    delays = [backoff(n) for n in range(4, 40)]
    assert max(delays) <= 2.0 and min(delays) >= 1.0
    thousand = [ExponentialBackoff(rng=random.Random(seed))(12) for seed in range(1000)]
    assert min(thousand) >= 1.0 and max(thousand) <= 2.0
    assert statistics.pstdev(thousand) > 0.2  # spread over the second, not all at once


async def test_a_sign_in_where_nothing_listens_fails_at_once_and_says_why() -> None:
    port = free_port()
    client = AgentClient(f"ws://127.0.0.1:{port}", "ann", password="pw", request_timeout=WAIT)
    began = time.monotonic()
    with pytest.raises(SessionEnded) as ended:
        await client.start(fail_fast=True)
    took = time.monotonic() - began
    await client.close()
    assert ended.value.reason == (f"Nothing is listening at 127.0.0.1:{port} (connection refused). "
                                  "Is the server running, and is the port right?")
    assert took < 1.0


async def test_an_unknown_host_name_is_named() -> None:
    client = AgentClient("ws://no-such-host.invalid:8765", "ann", password="pw", request_timeout=WAIT)
    with pytest.raises(SessionEnded) as ended:
        await client.start(fail_fast=True)
    await client.close()
    assert ended.value.reason == "There is no server named no-such-host.invalid (the name does not resolve). " \
        "Check the address."


async def test_reconnect_now_ends_the_wait_at_once(fake_server: Any) -> None:
    never = asyncio.Event()

    async def sleep_forever(_delay: float) -> None:
        await never.wait()  # the backoff never runs out by itself

    client = AgentClient(fake_server.url, "ann", password="pw", sleep=sleep_forever, request_timeout=WAIT)
    starting = asyncio.create_task(client.start())
    first = await fake_server.accept()
    await login(first)
    await asyncio.wait_for(starting, WAIT)
    await first.close(code=1001)  # the server restarts
    await next_of(client, Reconnecting)
    assert fake_server.pending() == 0  # waiting, and it would wait forever
    client.reconnect_now()
    await login(await fake_server.accept())
    await asyncio.wait_for(client.wait_ready(), WAIT)
    await client.close()


async def test_a_host_that_accepts_and_never_answers_is_reported_after_the_handshake_timeout() -> None:
    """A silent host (TCP accepted, the WebSocket upgrade never answered): a clear sentence after a few
    seconds, not the HTTP library's minutes."""
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # reads nothing, writes nothing, keeps the connection open

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        client = AgentClient(f"ws://127.0.0.1:{port}", "ann", password="pw", request_timeout=WAIT,
                             handshake_timeout=0.3)
        began = time.monotonic()
        with pytest.raises(SessionEnded) as ended:
            await client.start(fail_fast=True)
        took = time.monotonic() - began
        await client.close()
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
    assert accepted, "the client never connected"
    assert ended.value.reason == (f"The server at 127.0.0.1:{port} did not answer: it accepted the connection but "
                                  "gave no reply within 0.3 s. Check the address and port, or try again later.")
    assert 0.3 <= took < 2.0


def test_the_handshake_timeout_is_a_few_seconds_by_default() -> None:
    assert 2.0 <= HANDSHAKE_TIMEOUT_S <= 5.0
