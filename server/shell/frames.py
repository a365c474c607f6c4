"""Writing a connection's queued frames: everything one loop turn queued for it goes out in one system call.

A commit of many messages queues several frames for one connection at once (its ``sent`` confirmations, the
other side's messages); aiohttp's ``send_bytes`` writes each frame with its own ``send()``. When the connection
did not negotiate compression, :class:`FrameWriter` frames them itself (RFC 6455 5.2: a server's binary frames
are unmasked, with a 2, 4 or 10 byte header) and hands them to the transport together. With permessage-deflate
(browsers ask for it) the frames go through aiohttp one by one, which compresses them.

Flow control is aiohttp's: once the transport's buffer is past its high-water mark the writer waits for it
to drain before the next batch; meanwhile new frames stay queued in the peer's bounded outbox.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from aiohttp import web

_BINARY_FIN = 0x82
_SHORT, _MEDIUM, _LONG = struct.Struct("!BB"), struct.Struct("!BBH"), struct.Struct("!BBQ")


def binary_frame(payload: bytes) -> bytes:
    """One final, unmasked binary WebSocket frame carrying ``payload``."""
    n = len(payload)
    if n < 126:
        return _SHORT.pack(_BINARY_FIN, n) + payload
    if n < 65536:
        return _MEDIUM.pack(_BINARY_FIN, 126, n) + payload
    return _LONG.pack(_BINARY_FIN, 127, n) + payload


class FrameWriter:
    """Writes batches of binary frames to one prepared WebSocket (``request`` is its HTTP request)."""

    def __init__(self, ws: web.WebSocketResponse, request: web.BaseRequest | None) -> None:
        self._ws = ws
        self._request = request if request is not None and not ws.compress else None

    async def write(self, frames: Sequence[bytes]) -> None:
        """Write ``frames`` in order; raises ConnectionError once the connection is closing."""
        request = self._request
        transport = request.transport if request is not None else None
        if request is None or transport is None:
            for frame in frames:
                await self._ws.send_bytes(frame)
            return
        if self._ws.closed or transport.is_closing():
            raise ConnectionResetError("cannot write to a closing connection")
        transport.write(b"".join([binary_frame(frame) for frame in frames]))
        if request.protocol.writing_paused:
            await request.writer.drain()
