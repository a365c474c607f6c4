"""A gateway that stores and delivers its clients' chat messages itself, so that they do not pass through
the routing owner (docs/architecture.md, "Several nodes").

The gateway still opens one upstream WebSocket to the owner per agent or requestor, with
:data:`~onduty.server.shell.sideband.RELAY_HEADER`, and passes every frame on both ways, except:

- the owner's sideband frames (:mod:`~onduty.server.shell.sideband`), which name the chats the client reads
  (from which ``seq``) and may write in. The gateway keeps a
  :class:`~onduty.server.shell.sessions.ChatSession` per such chat (:class:`GatewayChats`), replays it from
  the store, and delivers every message stored for it after that, whichever node stored it (the chat bus);
- the client's ``send`` in a chat it may write in: the gateway stores it (the store assigns the ``seq``),
  confirms it with ``sent``, delivers it to the chat's parties here and publishes it to the other nodes.
  For an agent it tells the owner that the agent replied (routing keeps response times);
- the client's ``ack`` of a message it was delivered here: the gateway writes the cursor.

A requestor's rate limit (protocol.md, section 15) is applied here to every frame the client sends, as the
owner applies it to a client connected to it; the owner still counts what is passed on.

Anything the gateway cannot handle the owner's way (a frame that does not decode, a ``send`` in a chat the
owner has not named, an ``ack`` beyond what was delivered here) goes to the owner, which answers as always.
A frame other than ``send`` and ``ack`` waits for the client's sends being stored, as on the owner, so that
"bye" and then ``end_chat`` arrive in that order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from onduty.server.cluster.chat_bus import ChatBus, Subscriber
from onduty.server.cluster.stopping import stopped
from onduty.server.config import ServerConfig
from onduty.server.shell.endpoint import MAX_IN_FLIGHT, stored_result
from onduty.server.shell.feed import Feed
from onduty.server.shell.peer import Peer
from onduty.server.shell.ratelimit import TokenBucket
from onduty.server.shell.sessions import ChatSession
from onduty.server.shell.sideband import (
    AgentWrote,
    RelayEnded,
    RelayStart,
    RelayStop,
    Stored,
    decode_sideband,
    encode_sideband,
    is_sideband,
)
from onduty.server.shell.writes import Writes
from onduty.server.store import Store, StoredMessage, StoreError
from onduty.shared.codec import Codec
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import Ack, CobrowseData, Hello, Message, Send, Sent
from onduty.shared.types import Role

log = logging.getLogger(__name__)

UP_QUEUED = 256
"""Frames for the owner not written yet past which the client's next frame waits (backpressure)."""

class GatewayChats:
    """The chats this gateway's clients read: one session each, fed by the chat bus and the store."""

    def __init__(self, store: Store, bus: ChatBus, config: ServerConfig) -> None:
        self.store = store
        self.bus = bus
        self.writes = Writes(store, config.ack_delay_s)
        self.sessions: dict[str, ChatSession] = {}
        self.stored = 0
        """Chat messages this gateway stored for its clients since it started (``/healthz``)."""
        self.feed = Feed(store, self.writes, self.sessions.get, lambda: list(self.sessions.values()))
        self.subscriber = Subscriber(bus, self.feed.arrived, self.feed.catch_up_all)

    def start(self) -> None:
        self.subscriber.start()

    async def stop(self) -> None:
        await self.subscriber.close()
        await self.bus.close()
        await self.writes.drain()

    def stored_here(self, message: StoredMessage) -> None:
        """A client of this gateway wrote ``message``: deliver it here, publish it to the other nodes."""
        self.stored += 1
        self.feed.arrived(message)
        self.bus.publish(message)

    async def attach(self, start: RelayStart, peer: Peer) -> ChatSession | None:
        """``peer`` reads the chat as the owner said: the history from ``start.after_seq``, then live."""
        session = self.sessions.get(start.chat_id)
        if session is None:
            record = await self.store.get_chat(start.chat_id)
            if record is None:
                log.warning("the owner named a chat the store does not have", extra={"chat": start.chat_id})
                return None
            session = self.sessions.get(start.chat_id)
            if session is None:
                session = self.sessions[start.chat_id] = ChatSession(record=record, last_seq=start.last_seq)
                await self.subscriber.add(start.chat_id)
                self.writes.background(self.feed.catch_up(session), "catch up")  # stored before subscribing
        attached = session.attach(start.role, peer, start.after_seq, echo_until=start.last_seq)
        self.writes.background(session.replay(start.role, attached, self.store), "replay")
        return session

    async def detach(self, chat_id: str, role: Role, peer: Peer) -> None:
        session = self.sessions.get(chat_id)
        if session is None:
            return
        session.detach(role, peer)
        if not session.parties:
            del self.sessions[chat_id]
            await self.subscriber.remove(chat_id)

    async def forget(self, peer: Peer) -> None:
        """``peer`` is gone: it reads no chat here any more."""
        for chat_id, session in list(self.sessions.items()):
            for role, attached in list(session.parties.items()):
                if attached.peer is peer:
                    await self.detach(chat_id, role, peer)


@dataclass(slots=True)
class Reading:
    """A chat the client reads and writes in, as the owner named it."""

    role: Role
    name: str
    session: ChatSession | None = None
    ended: bool = False


class RelayedClient:
    """One agent or requestor on this gateway: its frames both ways, and its chats' messages."""

    def __init__(self, chats: GatewayChats, peer: Peer, codec: Codec, config: ServerConfig,
                 to_owner: Callable[[bytes], Awaitable[None]], clock: Callable[[], float],
                 limit: TokenBucket | None) -> None:
        self._chats = chats
        self._peer = peer
        self._codec = codec
        self._to_owner = to_owner
        self._clock = clock
        self._limit = limit
        self._reading: dict[str, Reading] = {}
        self._in_flight: set[asyncio.Future[tuple[StoredMessage, bool]]] = set()
        self._control: asyncio.Queue[RelayStart | RelayStop | RelayEnded] = asyncio.Queue()
        self._up: list[bytes] = []
        """Frames for the owner, in order: the client's passed on, and this gateway's sideband frames."""
        self._up_queued = asyncio.Event()
        self._up_drained = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._controller = loop.create_task(self._run_control(), name="relay-control")
        self._writer = loop.create_task(self._write_up(), name="relay-up")
        self._greeted = False

    def _to_owner_soon(self, data: bytes) -> None:
        self._up.append(data)
        self._up_queued.set()

    async def _write_up(self) -> None:
        while True:
            await self._up_queued.wait()
            self._up_queued.clear()
            batch, self._up = self._up, []
            for data in batch:
                await self._to_owner(data)
            if not self._up:
                self._up_drained.set()

    async def _pass_on(self, data: bytes) -> None:
        """``data`` to the owner after everything before it; waits while many frames are not written yet."""
        self._to_owner_soon(data)
        if len(self._up) > UP_QUEUED:
            self._up_drained.clear()
            await self._up_drained.wait()

    # --- from the client -----------------------------------------------------------------------

    async def from_client(self, data: bytes) -> None:
        """Handle ``data`` here, or pass it on to the owner (never a frame the owner would take for this
        gateway's own: a client cannot speak for the gateway)."""
        if is_sideband(data):
            self._peer.log.warning("a client frame that looks like a gateway's refused")
            self._peer.error(ErrorCode.MALFORMED_FRAME, "not a msgpack frame")
            return
        message = self._decode(data)
        if message is not None and self._limit is not None and not isinstance(message, CobrowseData) \
                and not self._limit.take():  # the requestor's limit over all its frames, as on the owner
            self._peer.log.warning("rate limited: %s dropped", message.TYPE)
            self._peer.error(ErrorCode.RATE_LIMITED, "too many messages: send this one again later", message.TYPE,
                             req=message.req, client_msg_id=getattr(message, "client_msg_id", None))
            return
        if isinstance(message, Send) and (reading := self._writable(message.chat_id)) is not None:
            await self._store(message, reading)
            return
        if isinstance(message, Ack) and (reading := self._reading.get(message.chat_id)) is not None \
                and reading.session is not None and message.seq <= reading.session.last_seq:
            self._chats.writes.ack(message.chat_id, reading.role, message.seq)
            return
        if not isinstance(message, Send | Ack) and self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self._pass_on(data)

    def _decode(self, data: bytes) -> Message | None:
        try:
            message = self._codec.decode(data)
        except ProtocolError:
            return None  # the owner tells the client what is wrong with it
        if isinstance(message, Hello) and not self._greeted:
            self._greeted = True
            self._peer.protocol = message.protocol
            return None
        return message if self._greeted else None

    def _writable(self, chat_id: str) -> Reading | None:
        reading = self._reading.get(chat_id)
        return reading if reading is not None and not reading.ended else None

    async def _store(self, message: Send, reading: Reading) -> None:
        if len(self._in_flight) >= MAX_IN_FLIGHT:
            await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
        if reading.role is Role.AGENT:
            self._to_owner_soon(encode_sideband(AgentWrote(message.chat_id)))
        future = self._chats.store.append_message(message.chat_id, reading.role, reading.name, message.text,
                                                  self._clock(), message.client_msg_id)
        self._in_flight.add(future)
        future.add_done_callback(partial(self._stored, message))

    def _stored(self, message: Send, future: asyncio.Future[tuple[StoredMessage, bool]]) -> None:
        self._in_flight.discard(future)
        if future.cancelled():
            return
        try:
            stored, new = stored_result(future)
        except ProtocolError as exc:
            self._peer.log.info("refused send: %s", exc)
            self._peer.error(exc.code, exc.detail, "send", req=message.req, client_msg_id=message.client_msg_id)
            return
        except Exception:
            self._peer.log.exception("internal error storing send")
            self._peer.error(ErrorCode.INTERNAL, "internal server error", "send", req=message.req,
                             client_msg_id=message.client_msg_id)
            return
        if new:
            self._chats.stored_here(stored)
            self._to_owner_soon(encode_sideband(Stored(stored)))  # before any frame the client sends after it
        self._peer.send(Sent(chat_id=stored.chat_id, client_msg_id=message.client_msg_id, seq=stored.seq,
                             at=stored.at, req=message.req))

    # --- from the owner ------------------------------------------------------------------------

    def from_owner(self, data: bytes) -> None:
        """A sideband frame of the owner: handled in order, after the ones before it."""
        try:
            frame = decode_sideband(data)
        except ValueError as exc:
            log.warning("the owner's frame was not understood: %s", exc)
            return
        if isinstance(frame, RelayStart | RelayStop | RelayEnded):
            if isinstance(frame, RelayStart):
                self._reading[frame.chat_id] = Reading(frame.role, frame.name)
            elif isinstance(frame, RelayStop):
                self._reading.pop(frame.chat_id, None)
            elif (reading := self._reading.get(frame.chat_id)) is not None:
                reading.ended = True
            self._control.put_nowait(frame)

    async def _run_control(self) -> None:
        while True:
            frame = await self._control.get()
            try:
                if isinstance(frame, RelayStart):
                    session = await self._chats.attach(frame, self._peer)
                    if (reading := self._reading.get(frame.chat_id)) is not None:
                        reading.session = session
                elif isinstance(frame, RelayStop):
                    await self._chats.detach(frame.chat_id, frame.role, self._peer)
            except StoreError as exc:
                log.warning("reading a chat for a client failed: %s", exc, extra={"chat": frame.chat_id})
            except Exception:
                log.exception("relaying a chat failed", extra={"chat": frame.chat_id})

    async def gone(self) -> None:
        """The client or the owner went away: stop reading its chats here."""
        await stopped(self._controller)  # it awaits Redis: a cancel may be lost (see .stopping)
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await stopped(self._writer, expected=(ConnectionError, RuntimeError))  # the owner's connection closed
        self._reading.clear()
        await self._chats.forget(self._peer)
