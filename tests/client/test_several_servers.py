"""Several server addresses (a cluster's nodes without a load balancer in front): the client tries
them in turn, at sign-in and after a drop; the tray app's setting holds them comma-separated."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest

from onduty.client.desk.address import AddressError, server_addresses, split_servers
from onduty.client.net import AgentClient, SessionEnded

from .conftest import WAIT
from .test_agent import login


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def no_wait(_delay: float) -> None:
    await asyncio.sleep(0)


async def test_a_sign_in_goes_on_to_the_next_address_when_the_first_is_down(fake_server: Any) -> None:
    down = f"ws://127.0.0.1:{free_port()}"
    client = AgentClient([down, fake_server.url], "ann", password="pw", sleep=no_wait, request_timeout=WAIT)
    starting = asyncio.create_task(client.start(fail_fast=True))
    await login(await fake_server.accept())
    await asyncio.wait_for(starting, WAIT)
    assert client.ready
    await client.close()


async def test_after_a_drop_the_client_comes_back_through_the_other_address(fake_server: Any) -> None:
    down = f"ws://127.0.0.1:{free_port()}"
    client = AgentClient([fake_server.url, down], "ann", password="pw", sleep=no_wait, request_timeout=WAIT)
    starting = asyncio.create_task(client.start())
    first = await fake_server.accept()
    await login(first)
    await asyncio.wait_for(starting, WAIT)
    await first.close(code=1001)  # this node went away; the other address is tried next, then this one again
    await login(await fake_server.accept())
    await asyncio.wait_for(client.wait_ready(), WAIT)
    await client.close()


async def test_fail_fast_gives_up_only_when_every_address_failed() -> None:
    ports = [free_port(), free_port()]
    client = AgentClient([f"ws://127.0.0.1:{p}" for p in ports], "ann", password="pw", sleep=no_wait,
                         request_timeout=WAIT)
    with pytest.raises(SessionEnded, match=f"127.0.0.1:{ports[1]}"):
        await client.start(fail_fast=True)
    await client.close()


def test_the_setting_holds_several_addresses_checked_one_by_one() -> None:
    assert server_addresses(" http://a.example:8765 ,wss://b.example/ ") == "ws://a.example:8765, wss://b.example"
    assert split_servers("ws://a.example:8765, wss://b.example") == ["ws://a.example:8765", "wss://b.example"]
    assert server_addresses("ws://a.example") == "ws://a.example"
    with pytest.raises(AddressError, match="chat example com"):
        server_addresses("ws://a.example, chat example com")


async def test_a_bug_that_stops_the_connection_ends_the_client_with_the_reason(fake_server: Any) -> None:
    class Broken(AgentClient):
        async def _session_opened(self, welcome: Any) -> None:
            raise RuntimeError("boom")

    client = Broken(fake_server.url, "ann", password="pw", sleep=no_wait, request_timeout=WAIT)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    await peer.handshake()
    await asyncio.wait_for(peer.ws.receive(), WAIT)  # the client closes its socket (the server answers)
    with pytest.raises(SessionEnded, match="unexpected error: RuntimeError"):
        await asyncio.wait_for(starting, WAIT)
    assert client.gave_up is not None and not client.ready
    await client.close()
