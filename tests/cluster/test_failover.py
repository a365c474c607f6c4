"""Two nodes on one PostgreSQL database and one Redis: clients on either node chat with each other;
the owner dies (kill -9) or is stopped past its lease (SIGSTOP), the gateway takes routing over;
clients given both URLs come back and resume with nothing lost or doubled, and the deposed owner
decides nothing more (it exits with status 3)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from onduty.client.net import AgentClient, RequestorClient
from onduty.client.net.errors import ConnectionLost, RequestFailed
from onduty.server.cluster.node import STEPPED_DOWN
from onduty.server.store.pg import PostgresStore
from onduty.shared.messages import ChatAssigned, ChatMessage
from tests.cluster.nodes import LEASE_S, PASSWORD, Node, seed, start_node

pytestmark = pytest.mark.timeout(120)
WAIT = 30.0


@pytest.fixture
def nodes(pg_url: str, redis_url: str, tmp_path: Path) -> Iterator[list[Node]]:
    asyncio.run(seed(pg_url))
    started: list[Node] = []
    try:
        started.append(start_node("a", pg_url, redis_url, tmp_path))
        yield started
    finally:
        for node in started:
            node.stop()


async def until_event(client: AgentClient | RequestorClient, kind: type, within: float = WAIT) -> object:
    async with asyncio.timeout(within):
        while True:
            event = await client.next_event()
            if isinstance(event, kind):
                return event


async def seqs_until(agent: AgentClient, chat_id: str, last: int) -> list[int]:
    """The ``seq`` of every message of ``chat_id`` the agent receives, in order, until ``last`` came."""
    seen: list[int] = []
    async with asyncio.timeout(WAIT):
        while last not in seen:
            event = await agent.next_event()
            if isinstance(event, ChatMessage) and event.chat_id == chat_id:
                seen.append(event.seq)
    return seen


@pytest.fixture
async def clients() -> AsyncIterator[list[AgentClient | RequestorClient]]:
    made: list[AgentClient | RequestorClient] = []
    yield made
    for client in made:
        await client.close()


async def test_clients_on_either_node_chat_and_the_gateway_takes_over_when_the_owner_is_killed(
    nodes: list[Node], pg_url: str, redis_url: str, tmp_path: Path, clients: list[AgentClient | RequestorClient],
) -> None:
    a = nodes[0]
    assert (await a.until_role("owner"))["epoch"] == 1
    nodes.append(b := start_node("b", pg_url, redis_url, tmp_path))
    assert (await b.until_role("gateway"))["owner"] == "a"
    assert (await a.ready(), await b.ready()) == (200, 200)

    urls = [a.url, b.url]
    # ann through the gateway b, rita on the owner a: any client on any node
    clients.append(ann := AgentClient([b.url, a.url], "ann", password=PASSWORD, request_timeout=WAIT))
    await ann.start()
    await ann.set_duty(True)
    clients.append(rita := RequestorClient(urls, request_timeout=WAIT))
    await rita.start()
    chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="hello")
    assert isinstance(await until_event(ann, ChatAssigned), ChatAssigned)
    assert await rita.send(chat_id, "second") == 2

    a.kill()
    died = time.monotonic()
    health = await b.until_role("owner")
    took_over = time.monotonic() - died
    assert health["epoch"] == 2
    assert took_over < LEASE_S + 3.0, f"took {took_over:.1f} s"

    await rita.wait_ready()
    assert await rita.send(chat_id, "after the failover") == 3
    seen = await seqs_until(ann, chat_id, 3)
    assert len(seen) == len(set(seen)) and seen[-1] == 3  # none twice

    store = PostgresStore(pg_url)
    await store.open()
    try:
        stored = await store.messages_after(chat_id, 0, limit=10)
        chat = await store.get_chat(chat_id)
    finally:
        await store.close()
    assert [m.text for m in stored] == ["hello", "second", "after the failover"]
    assert chat is not None and chat.agent == "ann"


async def test_an_owner_stopped_past_its_lease_is_fenced_and_steps_down_without_assigning(
    nodes: list[Node], pg_url: str, redis_url: str, tmp_path: Path, clients: list[AgentClient | RequestorClient],
) -> None:
    a = nodes[0]
    await a.until_role("owner")
    nodes.append(b := start_node("b", pg_url, redis_url, tmp_path))
    await b.until_role("gateway")
    clients.append(ann := AgentClient([a.url], "ann", password=PASSWORD, request_timeout=WAIT))
    await ann.start()  # ann stays on a (Off Duty)
    clients.append(rita := RequestorClient([a.url, b.url], request_timeout=WAIT))
    await rita.start()
    chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="anyone?")  # waits in line

    a.pause()
    assert (await b.until_role("owner"))["epoch"] == 2
    clients.append(bob := AgentClient([b.url], "bob", password=PASSWORD, request_timeout=WAIT))
    await bob.start()
    await bob.set_duty(True)
    assigned = await until_event(bob, ChatAssigned)
    assert isinstance(assigned, ChatAssigned) and assigned.chat.chat_id == chat_id

    duty = asyncio.ensure_future(ann.set_duty(True))  # reaches a's socket while a is stopped
    a.resume()
    assert await a.exited() == STEPPED_DOWN
    [outcome] = await asyncio.gather(duty, return_exceptions=True)
    assert isinstance(outcome, ConnectionLost | RequestFailed), outcome  # never On Duty with rita's chat
    assert "no longer owns routing" in a.output()

    store = PostgresStore(pg_url)
    await store.open()
    try:
        chat = await store.get_chat(chat_id)
        owner = await store.routing_owner()
    finally:
        await store.close()
    assert chat is not None and chat.agent == "bob"
    assert owner == (2, "b")
