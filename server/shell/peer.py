"""One connected client: a bounded outbox drained by its own writer task.

Sending never awaits the network: frames are queued, and a peer whose queue is full is
too slow and gets disconnected, so it can never stall routing or other peers. The writer
takes everything queued when it runs and writes it in one go (:mod:`.frames`): a commit that
confirms many messages costs one system call per connection, not one per frame.

Protocol 2 replies: while a request is handled, :data:`ANSWERING` names it. The first frame of
the request's reply type (``REPLIES``) sent to the requesting peer is its answer and carries the
request's ``req``, whichever part of the shell sends it (an endpoint, or a routing decision
performed on the way); tasks started while handling the request (a ``send`` being stored) carry
the same answer with them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
from contextvars import ContextVar
from dataclasses import dataclass

from aiohttp import web

from onduty.server.shell.frames import FrameWriter
from onduty.server.shell.logs import ConnLogger
from onduty.server.shell.sideband import Sideband, encode_sideband
from onduty.shared.codec import Codec
from onduty.shared.errors import CloseCode, ErrorCode
from onduty.shared.messages import Error, Message

_ids = itertools.count(1)
log = logging.getLogger(__name__)


@dataclass(eq=False, slots=True)
class Answer:
    """The request being handled on ``peer``: ``reply`` is the frame type that answers it."""

    peer: Peer
    req: str | None
    reply: type[Message] | None
    answered: bool = False


ANSWERING: ContextVar[Answer | None] = ContextVar("onduty_answering", default=None)


class Peer:
    def __init__(self, ws: web.WebSocketResponse, codec: Codec, outbox_frames: int, kind: str) -> None:
        self.id = f"{kind[0]}{next(_ids)}"
        self.kind = kind
        self.ws = ws
        self.codec = codec
        self.log = ConnLogger(log, {"conn": self.id, "endpoint": kind})
        self._outbox: list[bytes] = []
        self._outbox_frames = outbox_frames
        self._queued = asyncio.Event()
        """Set when the writer has something to do: frames queued, or the close."""
        self._close: tuple[int, bytes] | None = None
        self._writer: asyncio.Task[None] | None = None
        self.closed = False
        self.protocol = 0
        """The protocol version agreed in ``hello`` (0 until then)."""
        self.relayed = False
        """The connection is a cluster gateway's upstream for one client, and the gateway stores and delivers
        the client's chat messages (:mod:`.sideband`): chats' messages are not sent on it."""
        self.party_name = ""
        """The signed-in agent's display name (what a relaying gateway signs its messages with)."""

    def start(self, request: web.BaseRequest | None = None) -> None:
        """Start writing to the connection (``request``: its HTTP request, for the batched writes)."""
        frames = FrameWriter(self.ws, request)
        self._writer = asyncio.get_running_loop().create_task(self._write(frames), name=f"writer-{self.id}")

    def send(self, message: Message) -> None:
        self.send_frame(self.codec.encode(self._stamped(message)))

    def send_shared(self, message: Message, frame: bytes) -> None:
        """Queue ``frame`` (``message`` encoded once for many peers), or the stamped reply if it answers."""
        stamped = self._stamped(message)
        self.send_frame(frame if stamped is message else self.codec.encode(stamped))

    def _stamped(self, message: Message) -> Message:
        answer = ANSWERING.get()
        if answer is None or answer.peer is not self or answer.answered or type(message) is not answer.reply:
            return message
        answer.answered = True
        return message if answer.req is None else dataclasses.replace(message, req=answer.req)

    def send_frame(self, frame: bytes) -> None:
        """Queue an encoded frame (a broadcast encodes once and calls this per peer)."""
        if self.closed:
            return
        if len(self._outbox) >= self._outbox_frames:
            self.log.warning("outbox full: disconnecting slow peer")
            self.closed = True
            self._close = (CloseCode.POLICY_VIOLATION, b"slow_consumer")
            self._outbox.clear()
        else:
            self._outbox.append(frame)
        self._queued.set()

    def sideband(self, frame: Sideband) -> None:
        """Tell the relaying gateway of this connection ``frame`` (nothing on any other connection)."""
        if self.relayed:
            self.send_frame(encode_sideband(frame))

    @property
    def backlog(self) -> int:
        """Frames queued and not yet handed to the writer (a co-browse viewer that lags skips batches)."""
        return len(self._outbox)

    def error(self, code: ErrorCode, detail: str = "", ref: str | None = None, *, req: str | None = None,
              client_msg_id: str | None = None) -> None:
        """Send an ``error``; ``req`` and ``client_msg_id`` name the refused request (protocol 2)."""
        if self.protocol < 2:
            client_msg_id = None
        self.send_frame(self.codec.encode(
            Error(code=code, detail=detail[:1024], ref=ref, client_msg_id=client_msg_id, req=req)
        ))

    def close(self, code: int = CloseCode.NORMAL, reason: str = "") -> None:
        """Close after everything queued so far has been written."""
        if self.closed:
            return
        self.closed = True
        self._close = (code, reason.encode()[:120])
        self._queued.set()

    async def _write(self, frames: FrameWriter) -> None:
        try:
            while self._outbox or not self.closed:
                if not self._outbox:
                    self._queued.clear()
                    await self._queued.wait()
                    continue
                batch, self._outbox = self._outbox, []
                await frames.write(batch)
        except (ConnectionError, RuntimeError) as exc:
            self.log.info("write failed: %s", exc)
        finally:
            code, reason = self._close or (CloseCode.GOING_AWAY, b"")
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self.ws.close(code=code, message=reason)

    async def finish(self) -> None:
        """Called when the read side ended: stop the writer (flushing what is queued)."""
        self.close(CloseCode.NORMAL)
        if self._writer is not None:
            with contextlib.suppress(asyncio.CancelledError):
                try:
                    await asyncio.wait_for(asyncio.shield(self._writer), timeout=5)
                except TimeoutError:
                    self._writer.cancel()
