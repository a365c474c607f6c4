"""A scriptable fake OnDuty server over real loopback WebSockets.

The test body plays the server: ``peer = await fake_server.accept()`` hands over each accepted
WebSocket, and the test reads the client's frames and answers per the contract
(/work/notes/protocol-sequences.md). Every wait is bounded by ``WAIT``.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import TypeVar

import aiohttp
import pytest
from aiohttp import web

from onduty.shared.codec import Codec
from onduty.shared.messages import CLIENT_MESSAGES, Hello, Message, Welcome

WAIT = 5.0
M = TypeVar("M", bound=Message)
_CODEC = Codec(accepted=CLIENT_MESSAGES)


class FakePeer:
    """The server end of one client connection."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self.path = request.path
        self.headers = request.headers
        self.done = asyncio.Event()

    async def recv(self) -> Message:
        frame = await asyncio.wait_for(self.ws.receive(), WAIT)
        assert frame.type is aiohttp.WSMsgType.BINARY, f"expected a binary frame, got {frame.type!r}"
        return _CODEC.decode(frame.data)

    async def recv_type(self, kind: type[M]) -> M:
        """Next frame of ``kind``, skipping acks and other frames in between."""
        while True:
            message = await self.recv()
            if isinstance(message, kind):
                return message

    async def send(self, *messages: Message) -> None:
        for message in messages:
            await self.ws.send_bytes(_CODEC.encode(message))

    async def answer(self, request: Message, *replies: Message) -> None:
        """Send ``replies`` as the answer to ``request``: each carries its ``req`` (protocol 2)."""
        assert request.req, f"{request.TYPE} was written without a req"
        await self.send(*(dataclasses.replace(r, req=request.req) for r in replies))

    async def handshake(self, protocol: int | None = None) -> Hello:
        """Read ``hello`` and answer ``welcome`` with the version asked for (or ``protocol``)."""
        hello = await self.recv()
        assert isinstance(hello, Hello)
        assert hello.req
        version = hello.protocol if protocol is None else protocol
        await self.answer(hello, Welcome(protocol=version, server="fake", max_frame=65536, heartbeat_s=30.0))
        return hello

    async def close(self, code: int = 1000) -> None:
        await self.ws.close(code=code)
        self.done.set()

    async def wait_closed(self) -> None:
        """Read until the client closes its end."""
        while True:
            frame = await asyncio.wait_for(self.ws.receive(), WAIT)
            if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                self.done.set()
                return


class FakeServer:
    def __init__(self) -> None:
        self.url = ""
        self.accepted = 0
        self._peers: asyncio.Queue[FakePeer] = asyncio.Queue()
        self._all: list[FakePeer] = []

    async def accept(self) -> FakePeer:
        return await asyncio.wait_for(self._peers.get(), WAIT)

    def pending(self) -> int:
        """Connections accepted but not yet taken by the test."""
        return self._peers.qsize()

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        peer = FakePeer(ws, request)
        self.accepted += 1
        self._all.append(peer)
        await self._peers.put(peer)
        await peer.done.wait()
        await ws.close()
        return ws

    def stop(self) -> None:
        for peer in self._all:
            peer.done.set()


@pytest.fixture
async def fake_server() -> AsyncIterator[FakeServer]:
    server = FakeServer()
    app = web.Application()
    app.router.add_get("/ws/agent", server._handle)
    app.router.add_get("/ws/requestor", server._handle)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.url = f"ws://127.0.0.1:{port}"
    yield server
    server.stop()
    await asyncio.wait_for(runner.cleanup(), WAIT)
