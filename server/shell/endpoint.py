"""The read loop shared by both WebSocket endpoints: hello, strict decoding, typed errors.

One function maps every exception to the wire: a :class:`ProtocolError` becomes an
``error`` message (and a close where it says so); anything else is our bug, logged with
its traceback and reported as ``internal`` while the connection goes on.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Coroutine
from functools import partial
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

from onduty.server.config import ServerConfig
from onduty.server.shell.peer import ANSWERING, Answer, Peer
from onduty.server.shell.ratelimit import TokenBucket
from onduty.server.shell.sessions import ChatSession
from onduty.server.shell.sideband import Sideband, Stored, decode_sideband, is_sideband
from onduty.server.shell.wiring import Shell
from onduty.server.store import SeqOutOfRange, StoredMessage, StoreError, StoreRefused
from onduty.shared.errors import CloseCode, ErrorCode, ProtocolError
from onduty.shared.limits import MAX_TEXT, SUPPORTED_PROTOCOLS
from onduty.shared.messages import REPLIES, Ack, Hello, Message, Send, Sent, Welcome
from onduty.shared.types import ContentLimits, Role

log = logging.getLogger(__name__)
T = TypeVar("T")
SERVER_NAME = "onduty/0.1"
MAX_IN_FLIGHT = 256
"""Sends of one connection being stored at once; the next frame waits when this many are."""
_FRAME_ERRORS = {
    ErrorCode.MALFORMED_FRAME, ErrorCode.UNKNOWN_TYPE, ErrorCode.MISSING_FIELD, ErrorCode.WRONG_TYPE,
    ErrorCode.UNKNOWN_FIELD, ErrorCode.INVALID_VALUE, ErrorCode.TOO_LARGE,
}


class Endpoint(ABC):
    def __init__(self, shell: Shell, peer: Peer, config: ServerConfig, limit: TokenBucket | None = None) -> None:
        self.shell = shell
        self.peer = peer
        self.config = config
        self.limit = limit
        self._greeted = False
        self._bad_frames = 0
        self._in_flight: set[asyncio.Future[tuple[StoredMessage, bool]]] = set()

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
        if self.peer.relayed and is_sideband(data):
            self._from_gateway(data)
            return
        ref: str | None = None
        message: Message | None = None
        answer = Answer(self.peer, None, None)
        token = ANSWERING.set(answer)
        try:
            message = self.peer.codec.decode(data)
            ref = message.TYPE
            answer.req, answer.reply = message.req, REPLIES.get(type(message))
            if self.limit is not None and not self.unmetered(message) and not self.limit.take():
                self.peer.log.warning("rate limited: %s dropped", ref)
                raise ProtocolError(ErrorCode.RATE_LIMITED, "too many messages: send this one again later")
            if not self._greeted:
                self._hello(message)
            else:
                if not isinstance(message, Send | Ack) and self._in_flight:
                    # anything but another send waits for the sends before it (e.g. "bye", then end_chat);
                    # an ack does not: it names what the other side sent, and holding up this connection's
                    # reading for a commit per ack would cap a busy chat at the disk's flush rate
                    await asyncio.gather(*self._in_flight, return_exceptions=True)
                await stored(self.dispatch(message))
        except ProtocolError as exc:
            self.peer.log.info("refused %s: %s", exc.ref or ref or "frame", exc)
            answer.answered = True
            self.peer.error(exc.code, exc.detail, exc.ref or ref, req=answer.req, client_msg_id=_cmid(message))
            if exc.code in _FRAME_ERRORS:
                self._bad_frames += 1
                if self._bad_frames >= self.config.max_bad_frames:
                    self.peer.close(CloseCode.POLICY_VIOLATION, "too many bad frames")
            if exc.close is not None:
                self.peer.close(exc.close, exc.code.value)
        except Exception:
            self.peer.log.exception("internal error handling %s", ref or "frame")
            answer.answered = True
            self.peer.error(ErrorCode.INTERNAL, "internal server error", ref, req=answer.req,
                            client_msg_id=_cmid(message))
        finally:
            ANSWERING.reset(token)

    def _from_gateway(self, data: bytes) -> None:
        """A sideband frame of the relaying gateway (:mod:`.sideband`); a refusal is logged, never sent back."""
        try:
            frame = decode_sideband(data)
            if isinstance(frame, Stored):
                session = self.shell.delivery.session(frame.message.chat_id)
                if session is None or session.peer(frame.message.sender) is not self.peer:
                    raise ValueError(f"a message of {frame.message.chat_id}, which this connection does not write in")
                self.shell.arrived(frame.message)
            else:
                self.relayed_frame(frame)
        except (ValueError, ProtocolError) as exc:
            self.peer.log.warning("gateway frame refused: %s", exc)

    def relayed_frame(self, frame: Sideband) -> None:
        """What the relaying gateway of this connection did on the client's behalf."""
        raise ValueError(f"{type(frame).__name__} is not for this endpoint")

    def unmetered(self, message: Message) -> bool:
        """Frames outside the connection's rate limit (they have a budget of their own)."""
        return False

    def answered(self) -> bool:
        """Whether the request being handled has had its reply (see :mod:`.peer`)."""
        answer = ANSWERING.get()
        return answer is None or answer.answered

    async def post(self, session: ChatSession, role: Role, name: str, text: str, client_msg_id: str) -> None:
        """Store a chat message without holding up the next frame of this connection; once it is committed,
        deliver it and confirm it to this connection with ``sent``.

        Sends are stored in the order they were read (the store queues writes in call order), so a client
        may have many in flight and still gets its ``sent`` confirmations in order; a connection waiting for
        a disk flush per message would be limited to a few hundred a second. What follows the commit is a
        callback on the store's future (in this request's context, so ``sent`` carries its ``req``), not a
        task per message."""
        if len(self._in_flight) >= MAX_IN_FLIGHT:
            await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
        answer = ANSWERING.get()
        req = answer.req if answer is not None else None
        shell = self.shell
        future = shell.store.append_message(session.chat_id, role, name, text, shell.clock(), client_msg_id)
        self._in_flight.add(future)
        future.add_done_callback(partial(self._posted, session.chat_id, client_msg_id, req))

    def _posted(self, chat_id: str, client_msg_id: str, req: str | None,
                future: asyncio.Future[tuple[StoredMessage, bool]]) -> None:
        self._in_flight.discard(future)
        if future.cancelled():
            return
        try:
            message, new = stored_result(future)
            self.shell.deliver(message, new)
            self.peer.send(Sent(chat_id=chat_id, client_msg_id=client_msg_id, seq=message.seq, at=message.at))
        except ProtocolError as exc:
            self.peer.log.info("refused send: %s", exc)
            self.peer.error(exc.code, exc.detail, "send", req=req, client_msg_id=client_msg_id)
        except Exception:
            self.peer.log.exception("internal error storing send")
            self.peer.error(ErrorCode.INTERNAL, "internal server error", "send", req=req,
                            client_msg_id=client_msg_id)

    def _hello(self, message: Message) -> None:
        if not isinstance(message, Hello):
            raise ProtocolError(
                ErrorCode.HELLO_REQUIRED, "send hello first", close=CloseCode.POLICY_VIOLATION
            )
        if message.protocol not in SUPPORTED_PROTOCOLS:
            speaks = " and ".join(str(v) for v in SUPPORTED_PROTOCOLS)
            raise ProtocolError(
                ErrorCode.UNSUPPORTED_VERSION,
                f"server speaks protocols {speaks}, not {message.protocol}",
                close=CloseCode.POLICY_VIOLATION,
            )
        self._greeted = True
        self.peer.protocol = message.protocol
        if message.protocol < max(SUPPORTED_PROTOCOLS):
            self.peer.log.info("protocol %d client (rolled out before the server was upgraded)", message.protocol)
        self.peer.send(Welcome(protocol=message.protocol, server=SERVER_NAME, max_frame=self.config.max_frame,
                               heartbeat_s=self.config.heartbeat_s, limits=self._limits(message.protocol)))

    def _limits(self, protocol: int) -> ContentLimits | None:
        """What people may send, for ``welcome.limits``; None (left out) below protocol 3, whose decoders
        refuse the field."""
        if protocol < 3:
            return None
        types = [t.lower() for t in self.config.file_types][:64]
        return ContentLimits(max_text=MAX_TEXT, max_file_bytes=self.config.max_file_bytes, file_types=types)

    @abstractmethod
    async def dispatch(self, message: Message) -> None:
        """Handle one decoded message after hello."""

    @abstractmethod
    def gone(self) -> None:
        """The connection ended (whatever the reason)."""


def _cmid(message: Message | None) -> str | None:
    """The ``client_msg_id`` of a refused ``send``, ``im_send``, ``discussion_say`` or ``request_chat``."""
    value = getattr(message, "client_msg_id", None)
    return value if isinstance(value, str) else None


async def stored(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work``; the store's refusals and failures become typed errors for the peer."""
    try:
        await work
    except StoreError as exc:
        raise refusal(exc) from None


def stored_result(future: asyncio.Future[T]) -> T:
    """The result of a store write; its refusals and failures as typed errors for the peer."""
    try:
        return future.result()
    except StoreError as exc:
        raise refusal(exc) from None


def refusal(exc: StoreError) -> ProtocolError:
    """What the peer is told when the store refused or failed a write it waits for.

    A failed write stored nothing, so the peer is told ``unavailable`` (try again later) and
    nothing is confirmed that is not on disk; the store retries transient failures itself."""
    if isinstance(exc, SeqOutOfRange):
        return ProtocolError(ErrorCode.INVALID_VALUE, f"seq {exc.seq} is beyond the last ({exc.last_seq})")
    if isinstance(exc, StoreRefused):
        return ProtocolError(ErrorCode.BAD_REQUEST, str(exc)[:200])
    log.error("store failed: %s", exc, exc_info=exc.__cause__ or exc)
    return ProtocolError(ErrorCode.UNAVAILABLE, "the server cannot store right now; try again later")
