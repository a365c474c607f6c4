"""Helpers of the case tests (no tests here): the real server with an injected clock, agents, a chat for a case.

The server and the app share one fake clock: 1_800_000_000 is Friday 2027-01-15 09:00 in Berlin, so queue
cim-emea (region EMEA, 09:00-17:00) counts every second of the first eight hours.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from onduty.client.app.cases.cases_ui import CaseService
from onduty.client.net import AgentClient, RequestorClient
from onduty.client.net.cases import CasesClient
from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.shell.app import make_app
from onduty.server.store import AgentRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.messages import ChatAssigned, ChatMessage
from onduty.shared.types import BusinessContext

from .conftest import PASSWORD, WAIT
from .fakes import QUEUE_TITLES

START = 1_800_000_000.0


class FakeClock:
    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class CaseServer:
    url: str
    clock: FakeClock
    config: ServerConfig


@asynccontextmanager
async def case_server(tmp_path: Path) -> AsyncIterator[CaseServer]:
    """Queues cim-emea (EMEA) and cic (GLOBAL); agents ann and bob in cim-emea, carl in cic."""
    config = ServerConfig(data_dir=tmp_path / "data", argon2_time_cost=1, argon2_memory_kib=64, heartbeat_s=30.0,
                          public_url="https://chat.example.com")
    config.data_dir.mkdir(parents=True)
    store = SqliteStore(config.db_path)
    await store.open()
    pw = Passwords(1, 64).hash(PASSWORD)
    await store.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA", 120.0))
    await store.add_queue(QueueRecord("cic", "CIC", "GLOBAL", 120.0))
    await store.add_agent(AgentRecord("ann", "Ann Agent", "EMEA", "CIM", ("cim-emea",), pw))
    await store.add_agent(AgentRecord("bob", "Bob Agent", "EMEA", "CIM", ("cim-emea",), pw))
    await store.add_agent(AgentRecord("carl", "Carl Agent", "AMER", "CIC", ("cic",), pw))
    await store.close()
    clock = FakeClock()
    runner = web.AppRunner(make_app(config, clock=clock), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield CaseServer(f"ws://127.0.0.1:{runner.addresses[0][1]}", clock, config)
    finally:
        await asyncio.wait_for(runner.cleanup(), WAIT)


@asynccontextmanager
async def agent(server: CaseServer, username: str = "ann") -> AsyncIterator[AgentClient]:
    client = AgentClient(server.url, username, password=PASSWORD, request_timeout=WAIT)
    await client.start()
    try:
        yield client
    finally:
        await client.close()


def service_for(server: CaseServer, client: AgentClient) -> CaseService:
    return CaseService(CasesClient(server.url, lambda: client.token, time_limit=WAIT), lambda: client.username,
                       lambda queue: QUEUE_TITLES.get(queue, queue))


async def chat_with_transcript(server: CaseServer, ann: AgentClient, text: str = "My order 4711 is stuck") -> str:
    """Rita asks in cim-emea with an order as context; Ann (On Duty) answers and saves a memo. Returns the chat id."""
    await ann.set_duty(True)
    rita = RequestorClient(server.url, request_timeout=WAIT)
    await rita.start()
    try:
        chat_id = await rita.request_chat(
            "cim-emea", "Rita Requestor", email="rita@example.com", text=text,
            context=[BusinessContext("order", "4711", "Order 4711", {"status": "stuck"})])

        async def assigned() -> None:
            got_chat = got_message = False
            while not (got_chat and got_message):
                event = await ann.next_event()
                got_chat |= isinstance(event, ChatAssigned) and event.chat.chat_id == chat_id
                got_message |= isinstance(event, ChatMessage) and event.chat_id == chat_id

        await asyncio.wait_for(assigned(), WAIT)
        await ann.send(chat_id, "Hello Rita, I am looking into it")
        await ann.save_memo(chat_id, "Requestor: Rita\nAction Taken: checked the order")
    finally:
        await rita.close()
    return chat_id
