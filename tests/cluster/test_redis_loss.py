"""Redis lost and restarted empty under a running owner: chats in progress go on; routing events are
refused with ``unavailable`` once the lease cannot be confirmed; when Redis is back (without the lease
key) the owner takes the lease again by itself and routes again. A Redis of the test's own (a
``redis-server`` process on a free port), since the machine's Redis is shared."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from onduty.client.net import AgentClient, RequestorClient
from onduty.client.net.errors import RequestFailed
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import ChatAssigned
from tests.cluster.nodes import PASSWORD, Node, free_port, seed, start_node
from tests.cluster.test_failover import WAIT, until_event

pytestmark = pytest.mark.timeout(120)


class OwnRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with redis.Redis(port=self.port, socket_connect_timeout=1) as client:
                try:
                    if client.ping():
                        return
                except redis.exceptions.ConnectionError:
                    time.sleep(0.02)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


async def until_ready(node: Node, status: int) -> None:
    """Poll the node's ``/readyz`` (its lease clock runs in its own process) until it answers ``status``."""
    deadline = time.monotonic() + WAIT
    while await node.ready() != status:
        assert time.monotonic() < deadline, node.output()
        await asyncio.sleep(0.05)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    server = OwnRedis()
    server.start()
    yield server
    server.kill()


async def test_the_owner_goes_on_without_redis_refuses_routing_meanwhile_and_recovers_by_itself(
    pg_url: str, own_redis: OwnRedis, tmp_path: Path,
) -> None:
    await seed(pg_url)
    a: Node = start_node("a", pg_url, own_redis.url, tmp_path)
    clients: list[AgentClient | RequestorClient] = []
    try:
        await a.until_role("owner")
        clients.append(ann := AgentClient([a.url], "ann", password=PASSWORD, request_timeout=WAIT))
        await ann.start()
        await ann.set_duty(True)
        clients.append(rita := RequestorClient([a.url], request_timeout=WAIT))
        await rita.start()
        chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="hello")
        await until_event(ann, ChatAssigned)

        own_redis.kill()
        await until_ready(a, 503)  # the lease could not be renewed for 0.8 x lease_s
        assert await rita.send(chat_id, "still here?") == 2  # the chat in progress goes on
        with pytest.raises(RequestFailed) as refused:
            await ann.set_duty(False)
        assert refused.value.code is ErrorCode.UNAVAILABLE

        own_redis.start()  # empty: the lease key is gone
        await until_ready(a, 200)
        status = await ann.set_duty(False)
        assert not status.on_duty
        with redis.Redis(port=own_redis.port) as client:
            holder = client.get("onduty:routing-owner")
            assert isinstance(holder, bytes) and holder.startswith(b"a#")  # node a, this process
        assert "taken again" in a.output()
    finally:
        for client in clients:
            await client.close()
        a.stop()
