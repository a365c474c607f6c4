"""What agents and requestors share: events, requests and replies, sending with resend, dedupe and acks.

Every server message is put on the event queue (``message`` frames only once per (chat_id, seq),
and not when it is the client's own message replayed); connection-state events go on the same
queue.

Matching (protocol 2): every frame written carries a fresh ``req`` (:mod:`.pending`). A request
with a reply waits for the one frame carrying its ``req``, the reply or an ``error``. A ``send`` is
confirmed by ``sent`` and refused by an ``error``, both found by its ``client_msg_id``, which stays
the same when the send is written again after a reconnect (with a new ``req``). An ``error`` that
names no pending request (e.g. about an ``ack`` or ``typing``, which have no reply, or one whose
caller stopped waiting) is logged at warning level; every ``error`` is also queued as an event.

Each ``message`` is acked once it is queued, and the acks of one loop turn go out together at its
end, one per chat with its highest seq (:mod:`.acks`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import ClassVar, TypeVar
from urllib.parse import urlsplit, urlunsplit

from onduty.client.net.acks import AckBatch
from onduty.client.net.backoff import Backoff
from onduty.client.net.connection import HANDSHAKE_TIMEOUT_S, SESSION_ERRORS, Connection, Sleep
from onduty.client.net.delivery import ChatLedger, PendingSend, Verdict
from onduty.client.net.errors import ConnectionLost, NotConnected, RequestFailed, SessionEnded
from onduty.client.net.events import ClientEvent, Connected, ConnectionEvent, Disconnected, GaveUp
from onduty.client.net.pending import PendingRequests
from onduty.shared.messages import REPLIES, Ack, ChatEnded, ChatMessage, EndChat, Error, Message, Sent, Typing, Welcome

log = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)


def endpoint_url(url: str, path: str) -> str:
    """``ws://host:port`` -> ``ws://host:port/<path>``; a URL that already has a path is kept."""
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return urlunsplit(parts._replace(path=path))
    return url


class ChatClient:
    """Base of :class:`AgentClient` and :class:`RequestorClient`; not used on its own."""

    ENDPOINT: ClassVar[str] = ""

    def __init__(
        self,
        url: str | Sequence[str],
        *,
        client_name: str,
        headers: Mapping[str, str] | None = None,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        max_attempts: int | None = None,
        request_timeout: float = 30.0,
        heartbeat: float | None = 30.0,
        events_maxsize: int = 0,
        handshake_timeout: float = HANDSHAKE_TIMEOUT_S,
    ) -> None:
        self._ledger = ChatLedger()
        self._acks = AckBatch(self._write_ack)
        self._events: asyncio.Queue[ClientEvent] = asyncio.Queue(events_maxsize)
        self._requests = PendingRequests()
        self._ready = asyncio.Event()
        self._ended = asyncio.Event()
        self._ended_reason: GaveUp | None = None
        self._request_timeout = request_timeout
        self._conn = Connection(
            [endpoint_url(u, self.ENDPOINT) for u in ((url,) if isinstance(url, str) else url)], self,
            client_name=client_name, headers=headers,
            backoff=backoff, sleep=sleep, max_attempts=max_attempts, heartbeat=heartbeat,
            handshake_timeout=handshake_timeout,
        )
        self.welcome: Welcome | None = None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self, *, fail_fast: bool = False) -> None:
        """Connect and wait (up to ``request_timeout``) until the session is ready.

        Raises SessionEnded when the server refused it, TimeoutError when it took too long (the
        client keeps trying in the background until :meth:`close`). With ``fail_fast`` a first attempt
        that fails (a refused port, an unknown host...) raises SessionEnded at once, saying why; once a
        session got through, the client reconnects after drops as always.
        """
        self._conn.fail_fast = fail_fast
        self._conn.start()
        async with asyncio.timeout(self._request_timeout):
            await self.wait_ready()

    def start_nowait(self) -> None:
        """Start connecting in the background; watch the events (or :meth:`wait_ready`) for the outcome."""
        self._conn.start()

    async def wait_ready(self) -> None:
        """Wait until logged in / resumed; raises SessionEnded if the client stopped instead.

        A session that has ended is not ready, also while the connection is still closing its socket
        and has not reported Disconnected yet: the wait goes on until the next session is ready (a
        request made then is written on that one, not failed with ConnectionLost).
        """
        while True:
            ready = asyncio.ensure_future(self._ready.wait())
            ended = asyncio.ensure_future(self._ended.wait())
            try:
                await asyncio.wait({ready, ended}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                ready.cancel()
                ended.cancel()
            self._check_alive()
            if self._conn.connected:
                return
            self._ready.clear()  # that session is over (its Disconnected is on the way); no new one is open

    def reconnect_now(self) -> None:
        """While waiting to reconnect, try again at once ("Reconnect now")."""
        self._conn.retry_now()

    async def close(self) -> None:
        """Close for good (no reconnect). Unconfirmed sends fail with SessionEnded."""
        await self._conn.close()

    async def __aenter__(self) -> ChatClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._conn.connected

    @property
    def gave_up(self) -> GaveUp | None:
        return self._ended_reason

    # --- events ----------------------------------------------------------------------------

    async def next_event(self) -> ClientEvent:
        """The next event; bound the wait with ``asyncio.wait_for`` / ``asyncio.timeout``."""
        return await self._events.get()

    async def events(self) -> AsyncIterator[ClientEvent]:
        """Every event until (and including) GaveUp."""
        while True:
            event = await self._events.get()
            yield event
            if isinstance(event, GaveUp):
                return

    # --- chat operations -----------------------------------------------------------------

    async def send(self, chat_id: str, text: str) -> int:
        """Send a chat message; returns its seq once the server stored it.

        The message is kept and resent with the same client_msg_id after a reconnect until the
        server confirms it, also when the caller stopped waiting (timeout, cancel).
        """
        return (await self.send_message(chat_id, text)).seq

    async def send_message(self, chat_id: str, text: str) -> Sent:
        """Like :meth:`send`, returning the server's whole ``sent`` (seq and the time it was stored)."""
        self._check_alive()
        entry = self._ledger.add_send(chat_id, text)
        if self._ready.is_set():
            await self._write_pending(entry)
        return await asyncio.shield(entry.future)

    async def typing(self, chat_id: str, active: bool = True) -> None:
        """Tell the other side this one is typing (or stopped); dropped while disconnected (it is transient)."""
        await self._write(Typing(chat_id=chat_id, active=active))

    async def end_chat(self, chat_id: str) -> ChatEnded:
        return await self._request(EndChat(chat_id=chat_id), ChatEnded)

    # --- for subclasses --------------------------------------------------------------------

    async def _request(self, message: Message, reply: type[M]) -> M:
        """Write ``message`` (with a fresh ``req``) once ready; return the ``reply`` carrying that ``req``.

        An ``error`` carrying it raises RequestFailed; a drop before the answer raises ConnectionLost.
        """
        if REPLIES.get(type(message)) is not reply:
            raise TypeError(f"{message.TYPE} is answered by {REPLIES.get(type(message))}, not {reply.TYPE}")
        self._check_alive()
        async with asyncio.timeout(self._request_timeout):
            await self.wait_ready()
        request = self._requests.stamp(message)
        waiter = self._requests.expect(request, reply)
        try:
            await self._conn.send(request)
            result = await asyncio.wait_for(waiter.future, self._request_timeout)
        except NotConnected:
            raise ConnectionLost(message.TYPE) from None
        finally:
            self._requests.discard(waiter)
        assert isinstance(result, reply)
        return result

    async def _write(self, message: Message) -> None:
        """Write if a session is open, with a fresh ``req`` unless it has one; otherwise drop.

        For frames that have no reply to wait for (acks, typing, sends kept in the ledger...): a
        failure comes back as an ``error`` naming the ``req``, logged and queued as an event.
        """
        if message.req is None:
            message = self._requests.stamp(message)
        with contextlib.suppress(NotConnected):
            await self._conn.send(message)

    async def _became_ready(self) -> None:
        """Handshake done: write unconfirmed sends (oldest first), then let new requests through."""
        session = self._conn.sessions
        while todo := self._ledger.unwritten(session):
            for entry in todo:
                await self._write_pending(entry)
        self._ready.set()
        self._conn.established()

    async def _write_pending(self, entry: PendingSend) -> None:
        entry.session = self._conn.sessions
        await self._write(entry.message)

    async def _session_opened(self, welcome: Welcome) -> None:
        """Send the handshake; call :meth:`_became_ready` when the server accepted it."""
        raise NotImplementedError

    async def _handle(self, message: Message) -> None:
        """Type-specific bookkeeping before the message is queued for the application."""

    def _check_alive(self) -> None:
        if self._ended_reason is not None:
            raise SessionEnded(self._ended_reason.reason, self._ended_reason.code)

    # --- SessionHandler --------------------------------------------------------------------

    async def on_open(self, welcome: Welcome) -> None:
        self.welcome = welcome
        await self._session_opened(welcome)

    async def on_message(self, message: Message) -> None:
        match message:
            case ChatMessage():
                await self._on_chat_message(message)
                return
            case Sent():
                entry = self._ledger.confirm(message)
                if entry is not None and not entry.future.done():
                    entry.future.set_result(message)
            case _:
                pass
        await self._handle(message)
        if isinstance(message, Error):
            self._on_error(message)
        else:
            self._requests.answer(message)
        await self._events.put(message)

    async def on_state(self, event: ConnectionEvent) -> None:
        if isinstance(event, Disconnected | GaveUp):
            self._ready.clear()
            self._requests.fail_all(ConnectionLost(event.reason))
        if isinstance(event, GaveUp):
            self._ended_reason = event
            self._ended.set()
            failure = SessionEnded(event.reason, event.code)
            for entry in self._ledger.pending.values():
                if not entry.future.done():
                    entry.future.set_exception(failure)
                    entry.future.exception()  # retrieved: nobody may be waiting any more
        if isinstance(event, Connected):
            log.debug("%s: connected to %s", self._conn.url, event.server)
        await self._events.put(event)

    def _on_error(self, error: Error) -> None:
        """Fail exactly the request ``error`` names: a kept send by ``client_msg_id``, a waiter by ``req``."""
        if error.code in SESSION_ERRORS:
            raise SessionEnded(f"{error.code.value}: {error.detail}".rstrip(": "), error.code)
        failure = RequestFailed(error.code, error.detail, error.ref)
        if error.client_msg_id is not None and self._refuse_kept(error.client_msg_id, failure):
            return
        if self._requests.refuse(error.req, failure):
            return
        log.warning("%s: error %s about %s (req %s) names no pending request: %s", self._conn.url,
                    error.code.value, error.ref or "?", error.req or "-", error.detail)

    def _refuse_kept(self, client_msg_id: str, failure: RequestFailed) -> bool:
        """Fail the kept (resent) message ``client_msg_id``; True if there was one."""
        entry = self._ledger.refuse(client_msg_id)
        if entry is None:
            return False
        if not entry.future.done():
            entry.future.set_exception(failure)
        return True

    async def _on_chat_message(self, message: ChatMessage) -> None:
        verdict = self._ledger.accept(message)
        if verdict is Verdict.DUPLICATE:
            log.debug("dropping duplicate %s#%d", message.chat_id, message.seq)
            return
        if verdict is Verdict.NEW:
            await self._events.put(message)
        self._acks.add(message.chat_id, message.seq)

    async def _write_ack(self, chat_id: str, seq: int) -> None:
        await self._write(Ack(chat_id=chat_id, seq=seq))
