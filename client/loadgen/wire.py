"""One raw WebSocket of msgpack frames to a server under test."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgpack

log = logging.getLogger("onduty.loadgen")


REPLY_PREFIX = "re:"
PROTOCOL = 1
Frame = dict[str, Any]


# --- wires -----------------------------------------------------------------------------------


class Refused(Exception):
    """The server refused a handshake step (error frame or closed connection)."""


class Wire:
    """One raw WebSocket with msgpack frames, no reconnect: the load generator measures, not recovers."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, frame: Frame) -> None:
        await self.ws.send_bytes(msgpack.packb(frame))

    async def send_raw(self, data: bytes) -> None:
        await self.ws.send_bytes(data)

    async def frames(self) -> AsyncIterator[Frame]:
        async for message in self.ws:
            if message.type is aiohttp.WSMsgType.BINARY:
                frame = msgpack.unpackb(message.data)
                if isinstance(frame, dict):
                    yield frame

    async def close(self) -> None:
        with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
            await self.ws.close()


def endpoint(url: str, path: str) -> str:
    return url.rstrip("/") + path


async def connect(http: aiohttp.ClientSession, url: str, hello: bool) -> Wire:
    """Open a WebSocket; with ``hello`` do OnDuty's hello -> welcome."""
    wire = Wire(await http.ws_connect(url, max_msg_size=64 * 1024, autoping=True))
    if hello:
        await wire.send({"t": "hello", "protocol": PROTOCOL, "client": "onduty-loadgen"})
        first = await wire.ws.receive()
        frame = msgpack.unpackb(first.data) if first.type is aiohttp.WSMsgType.BINARY else None
        if not isinstance(frame, dict) or frame.get("t") != "welcome":
            await wire.close()
            raise Refused(f"no welcome from {url}: {frame!r}")
    return wire


async def next_frame(frames: AsyncIterator[Frame], what: str) -> Frame:
    try:
        return await anext(frames)
    except StopAsyncIteration:
        raise Refused(f"connection closed while waiting for {what}") from None


