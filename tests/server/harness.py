"""A real server on loopback with an injected clock, and a raw msgpack WebSocket client."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.shell.app import SHELL, make_app
from onduty.server.shell.wiring import Shell
from onduty.server.store import AgentRecord, QueueRecord, SiteRecord, open_store
from onduty.server.store.url import default_url
from onduty.shared.codec import Codec
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import (
    SERVER_MESSAGES,
    AgentStatus,
    CannedList,
    Contacts,
    ContactStatus,
    Hello,
    Message,
    QueueStatus,
    StaffingAlert,
    VoiceAvailable,
    Welcome,
)

M = TypeVar("M", bound=Message)
STATUS = (AgentStatus, QueueStatus, CannedList, Contacts, ContactStatus, StaffingAlert, VoiceAvailable)
"""Pushed status messages that ``expect`` skips unless told otherwise."""
PASSWORD = "correct horse"
CODEC = Codec(SERVER_MESSAGES)
WAIT = 5.0


class FakeClock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Wire:
    """One raw connection: send typed messages, expect typed messages, every wait bounded."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.seen: list[Message] = []
        self.pending: list[Message] = []

    async def send(self, message: Message) -> None:
        await self.ws.send_bytes(CODEC.encode(message))

    async def send_raw(self, data: bytes) -> None:
        await self.ws.send_bytes(data)

    async def next(self) -> Message:
        if self.pending:
            return self.pending.pop(0)
        frame = await asyncio.wait_for(self.ws.receive(), WAIT)
        if frame.type is not aiohttp.WSMsgType.BINARY:
            raise AssertionError(f"expected a binary frame, got {frame.type!r} {frame.data!r}")
        message = CODEC.decode(frame.data)
        self.seen.append(message)
        return message

    async def expect(self, cls: type[M], skip: tuple[type[Message], ...] = STATUS) -> M:
        while True:
            message = await self.next()
            if isinstance(message, cls):
                return message
            if not isinstance(message, skip):
                raise AssertionError(f"expected {cls.__name__}, got {message!r}")

    async def until(self, cls: type[M], predicate: Any = None) -> M:
        """Read to the first ``cls`` matching ``predicate``; keep the others for later expects."""
        kept: list[Message] = []
        while True:
            message = await self.next()
            if isinstance(message, cls) and (predicate is None or predicate(message)):
                self.pending = kept + self.pending
                return message
            kept.append(message)

    async def closed(self) -> int | None:
        """Read until the server closes; returns the close code."""
        while True:
            frame = await asyncio.wait_for(self.ws.receive(), WAIT)
            if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING):
                return self.ws.close_code
            if frame.type is aiohttp.WSMsgType.BINARY:
                self.seen.append(CODEC.decode(frame.data))

    async def close(self) -> None:
        await self.ws.close()


class Harness:
    """Owns a data folder; can start, stop and restart the server over it."""

    def __init__(self, data: Path, **config: Any) -> None:
        self.clock = FakeClock()
        config.setdefault("queue_status_interval_s", 0.0)  # tests read every change, not a throttled one
        self.config = ServerConfig(data_dir=data, argon2_time_cost=1, argon2_memory_kib=64, **config)
        self.server: TestServer | None = None
        self.session: aiohttp.ClientSession | None = None
        self.app: web.Application | None = None
        self.wires: list[Wire] = []

    async def seed(self) -> None:
        """Queues cim-emea (120 s) and cic, agents ann and bob (cim-emea), carl (cic), a site."""
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        store = open_store(default_url(self.config), self.config)  # the configured store (SQLite by default)
        await store.open()
        pw = Passwords(1, 64).hash(PASSWORD)
        await store.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA", 120.0))
        await store.add_queue(QueueRecord("cic", "CIC", "GLOBAL", 120.0))
        await store.add_queue(QueueRecord("shop-b2b", "Shop", "EMEA", 120.0, anonymous=False))
        await store.add_agent(AgentRecord("ann", "Ann Agent", "EMEA", "CIM", ("cim-emea", "shop-b2b"), pw))
        await store.add_agent(AgentRecord("bob", "Bob Agent", "EMEA", "CIM", ("cim-emea",), pw))
        await store.add_agent(AgentRecord("carl", "Carl Agent", "AMER", "CIC", ("cic",), pw))
        await store.add_site(SiteRecord("shop", "site-secret"))
        await store.close()

    async def start(self) -> None:
        self.app = make_app(self.config, clock=self.clock)
        self.server = TestServer(self.app, host="127.0.0.1", port=0)
        await self.server.start_server()
        if self.session is None:
            self.session = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.close()
            self.server = None

    async def close(self) -> None:
        for wire in self.wires:  # an open WebSocket left to the garbage collector warns in a later test
            await wire.ws.close()
        self.wires.clear()
        await self.stop()
        if self.session is not None:
            await self.session.close()

    @property
    def shell(self) -> Shell:
        assert self.app is not None
        return self.app[SHELL]

    def url(self, path: str) -> str:
        assert self.server is not None
        return str(self.server.make_url(path))

    async def connect(self, path: str, hello: bool = True, **kwargs: Any) -> Wire:
        assert self.session is not None
        ws = await self.session.ws_connect(self.url(path), **kwargs)
        wire = Wire(ws)
        self.wires.append(wire)
        if hello:
            await wire.send(Hello(protocol=PROTOCOL_VERSION, client="tests"))
            await wire.expect(Welcome)
        return wire

    async def advance(self, seconds: float) -> None:
        """Move the injected clock and let the router's timer look at it."""
        self.clock.advance(seconds)
        self.shell.routing.wake()
