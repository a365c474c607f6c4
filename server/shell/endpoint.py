"""The read loop shared by both WebSocket endpoints: hello, strict decoding, typed errors.

One function maps every exception to the wire: a :class:`ProtocolError` becomes an
``error`` message (and a close where it says so); anything else is our bug, logged with
its traceback and reported as ``internal`` while the connection goes on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from aiohttp import WSMsgType, web

from onduty.server.config import ServerConfig
from onduty.server.shell.hub import Hub
from onduty.server.shell.peer import Peer
from onduty.server.shell.ratelimit import TokenBucket
from onduty.shared.errors import CloseCode, ErrorCode, ProtocolError
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import Hello, Message, Welcome

SERVER_NAME = "onduty/0.1"
_FRAME_ERRORS = {
    ErrorCode.MALFORMED_FRAME, ErrorCode.UNKNOWN_TYPE, ErrorCode.MISSING_FIELD, ErrorCode.WRONG_TYPE,
    ErrorCode.UNKNOWN_FIELD, ErrorCode.INVALID_VALUE, ErrorCode.TOO_LARGE,
}


class Endpoint(ABC):
    def __init__(self, hub: Hub, peer: Peer, config: ServerConfig, limit: TokenBucket | None = None) -> None:
        self.hub = hub
        self.peer = peer
        self.config = config
        self.limit = limit
        self._greeted = False
        self._bad_frames = 0

    async def run(self, ws: web.WebSocketResponse) -> None:
        self.peer.log.info("connected")
        try:
            async for frame in ws:
                if frame.type is WSMsgType.BINARY:
                    await self._handle(frame.data)
                elif frame.type is WSMsgType.TEXT:
                    self.peer.log.warning("text frame refused")
                    self.peer.error(ErrorCode.UNSUPPORTED_DATA, "binary msgpack frames only")
                    self.peer.close(CloseCode.UNSUPPORTED_DATA, ErrorCode.UNSUPPORTED_DATA.value)
                elif frame.type is WSMsgType.ERROR:
                    self.peer.log.warning("connection error: %s", ws.exception())
                if self.peer.closed:
                    break
        finally:
            self.peer.log.info("disconnected", extra={"close_code": ws.close_code})
            self.gone()

    async def _handle(self, data: bytes) -> None:
        ref: str | None = None
        try:
            message = self.peer.codec.decode(data)
            ref = message.TYPE
            if self.limit is not None and not self.limit.take():
                self.peer.log.warning("rate limited: %s dropped", ref)
                raise ProtocolError(ErrorCode.RATE_LIMITED, "too many messages: send this one again later")
            if not self._greeted:
                self._hello(message)
            else:
                await self.dispatch(message)
        except ProtocolError as exc:
            self.peer.log.info("refused %s: %s", exc.ref or ref or "frame", exc)
            self.peer.error(exc.code, exc.detail, exc.ref or ref)
            if exc.code in _FRAME_ERRORS:
                self._bad_frames += 1
                if self._bad_frames >= self.config.max_bad_frames:
                    self.peer.close(CloseCode.POLICY_VIOLATION, "too many bad frames")
            if exc.close is not None:
                self.peer.close(exc.close, exc.code.value)
        except Exception:
            self.peer.log.exception("internal error handling %s", ref or "frame")
            self.peer.error(ErrorCode.INTERNAL, "internal server error", ref)

    def _hello(self, message: Message) -> None:
        if not isinstance(message, Hello):
            raise ProtocolError(
                ErrorCode.HELLO_REQUIRED, "send hello first", close=CloseCode.POLICY_VIOLATION
            )
        if message.protocol != PROTOCOL_VERSION:
            raise ProtocolError(
                ErrorCode.UNSUPPORTED_VERSION,
                f"server speaks protocol {PROTOCOL_VERSION}, not {message.protocol}",
                close=CloseCode.POLICY_VIOLATION,
            )
        self._greeted = True
        self.peer.send(Welcome(protocol=PROTOCOL_VERSION, server=SERVER_NAME, max_frame=self.config.max_frame,
                               heartbeat_s=self.config.heartbeat_s))

    @abstractmethod
    async def dispatch(self, message: Message) -> None:
        """Handle one decoded message after hello."""

    @abstractmethod
    def gone(self) -> None:
        """The connection ended (whatever the reason)."""
