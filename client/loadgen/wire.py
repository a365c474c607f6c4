"""One raw WebSocket of msgpack frames to a server under test.

OnDuty is spoken in protocol 2: a frame whose answer is awaited (``hello``, ``login``, ``set_duty``,
``request_chat``, ``end_chat``...) is written with :meth:`Wire.request`, which gives it a fresh ``req``,
and its answer is the frame carrying that ``req`` (the reply or an ``error``). Chat messages are
matched by ``client_msg_id`` (``sent``, and an ``error`` about a send carries it too), so frames
written by the hundred (``send``, ``ack``) carry no ``req``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import msgpack

log = logging.getLogger("onduty.loadgen")


REPLY_PREFIX = "re:"
PROTOCOL = 2
Frame = dict[str, Any]


# --- wires -----------------------------------------------------------------------------------


class Refused(Exception):
    """The server refused a handshake step (error frame or closed connection)."""


class Wire:
    """One raw WebSocket with msgpack frames, no reconnect: the load generator measures, not recovers."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._reqs = itertools.count(1)

    async def send(self, frame: Frame) -> None:
        await self.ws.send_bytes(msgpack.packb(frame))

    async def request(self, frame: Frame) -> str:
        """Send ``frame`` with a fresh ``req``; returns it (the answer carries the same)."""
        req = str(next(self._reqs))
        await self.send({**frame, "req": req})
        return req

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
        req = await wire.request({"t": "hello", "protocol": PROTOCOL, "client": "onduty-loadgen"})
        first = await wire.ws.receive()
        frame = msgpack.unpackb(first.data) if first.type is aiohttp.WSMsgType.BINARY else None
        if not isinstance(frame, dict) or frame.get("t") != "welcome" or frame.get("req") != req:
            await wire.close()
            raise Refused(f"no welcome from {url}: {frame!r}")
    return wire


async def next_frame(frames: AsyncIterator[Frame], what: str) -> Frame:
    try:
        return await anext(frames)
    except StopAsyncIteration:
        raise Refused(f"connection closed while waiting for {what}") from None


