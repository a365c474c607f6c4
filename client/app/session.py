"""The signed-in agent, between the network client and the Qt models.

One task reads :class:`AgentClient` events and applies them to :class:`AgentView` and the
chats' :class:`ChatModel`s, then says so with signals. User actions come in as plain method
calls; each runs as a task on the one asyncio loop (qasync), so widgets never await the network.
Failures become ``notice`` signals the windows show; so does a server ``error`` that refuses an action
the agent took when no request was waiting for its answer (see :data:`UNAWAITED`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from onduty.client.app.chat.callbacks import LIST_LIMIT
from onduty.client.app.chat.models import ChatModel
from onduty.client.app.colleagues.colleagues import Colleagues
from onduty.client.app.handover.handover import Handovers
from onduty.client.app.qt.core import QObject, Signal
from onduty.client.app.voice.calls import Calls
from onduty.client.app.voice.devices import QtMedia
from onduty.client.desk.backend import OnError
from onduty.client.desk.settings import Settings
from onduty.client.desk.state import AgentView, Link
from onduty.client.desk.templates import chat_card, greeting, memo
from onduty.client.net import AgentClient, ClientError, ConnectionLost, RequestFailed
from onduty.client.net.events import ClientEvent, Connected, Disconnected, GaveUp, Reconnecting
from onduty.client.net.files import Downloaded
from onduty.shared.messages import (
    AgentStatus,
    CallbackUpdate,
    CallUpdate,
    CannedList,
    ChatAssigned,
    ChatClosed,
    ChatEnded,
    ChatMessage,
    CobrowseUpdate,
    Contacts,
    ContactStatus,
    DiscussionMessage,
    DiscussionOffer,
    DiscussionUpdate,
    Error,
    ImMessage,
    LoginOk,
    MemoSaved,
    Partners,
    PeerAnswer,
    PeerCandidate,
    PeerTyping,
    QueueStatus,
    Sent,
    StaffingAlert,
    SupervisorRole,
    Transcript,
    Whisper,
)
from onduty.shared.types import BusinessContext, CallbackInfo, CallbackOutcome, ChatInfo, ContentLimits, Presence

log = logging.getLogger(__name__)

T = TypeVar("T")

RECENT_ITEMS = 20

OFF_DUTY_WAIT_S = 5.0
"""How long quitting / signing out waits for the server to confirm Off Duty."""

UNAWAITED = {"set_duty": "Going On or Off Duty", "set_presence": "Changing presence",
             "close_channel": "Close conversation"}
"""Actions of the agent whose refusal (an ``error`` with this ``ref``) may reach nobody but the session: the client
closes an IM channel without waiting for an answer, and re-sends duty and presence by itself after a reconnect.
The session shows such a refusal like any failed action, unless one of its own requests is waiting for it."""


class AgentSession(QObject):
    """See the module docstring. ``client`` must not be started by anyone else."""

    changed = Signal()
    """The agent's view changed (connection, duty, presence, queues): redraw the tray."""
    chat_opened = Signal(str)
    """A chat was assigned (not a resume of one already shown): pop its window up."""
    chat_removed = Signal(str)
    """The server closed the chat: its window goes away."""
    canned_changed = Signal()
    titles_changed = Signal()
    """The queues' titles became known or changed: redraw what names a queue."""
    notice = Signal(str)
    """Something to tell the agent (a failure, a refused action)."""
    alert = Signal(object)
    """A ``StaffingAlert`` of one of the agent's (or supervised) queues: it opened or cleared."""
    """Something the agent should read (a failed action)."""
    callback_changed = Signal(object)
    """A callback request of my queues was claimed, done or went back to open (a ``CallbackInfo``)."""
    cobrowse_changed = Signal(object)
    """A ``CobrowseUpdate`` of one of my chats (the chat window's Co-browse… button follows it)."""
    token_changed = Signal(str)
    finished = Signal(object)
    """The client stopped for good; carries its GaveUp (``code`` says why, e.g. token_expired)."""

    def __init__(self, client: AgentClient, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.settings = settings
        self.view = AgentView(link=Link.CONNECTING)
        self.chats: dict[str, ChatModel] = {}
        self._closing: set[str] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._waiting: Counter[str] = Counter()
        """``ref``s of the session's requests in flight that an ``error`` answers (their task shows it)."""
        self._pump: asyncio.Task[None] | None = None
        self._stopping = False
        self.handovers = Handovers(self, self)
        self.colleagues = Colleagues(self, self)
        self.handovers.partners_changed.connect(self._got_partners)
        self.voice = Calls(self, QtMedia(settings), parent=self)
        """The chats' voice calls (docs/agent-app.md, "Voice calls")."""
        self.recent: list[BusinessContext] = []
        """Business context cards of what the agent opened lately (chats, transcripts), newest first."""

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start reading events (and connecting, if the client was not started yet)."""
        if self._pump is None:
            self._pump = asyncio.ensure_future(self._read_events())

    async def stop(self, *, off_duty: bool = True, logout: bool = False) -> None:
        """Go Off Duty (waiting briefly for the server to confirm), then close or log out."""
        self._stopping = True
        if off_duty and self.view.on_duty and self.client.ready:
            with contextlib.suppress(ClientError, TimeoutError):
                async with asyncio.timeout(OFF_DUTY_WAIT_S):
                    await self.client.set_duty(False)
        await self.voice.close()
        for task in list(self._tasks):
            task.cancel()
        if logout:
            await self.client.logout()
        else:
            await self.client.close()
        if self._pump is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._pump, OFF_DUTY_WAIT_S)

    def reconnect_now(self) -> None:
        self.client.reconnect_now()

    def queue_title(self, queue: str) -> str:
        return self.view.queue_title(queue)

    def limits(self) -> ContentLimits | None:
        """What the server accepts (text length, file size and types), from its welcome; None before one."""
        welcome = self.client.welcome
        return welcome.limits if welcome is not None else None

    # --- actions (from widgets) ------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, T], on_done: Callable[[T], None] | None = None,
            what: str = "", on_error: OnError | None = None) -> asyncio.Task[T]:
        """Run ``coro`` on the loop; ``on_done`` gets its result, a failure goes to ``on_error`` or a notice."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def finished(t: asyncio.Task[T]) -> None:
            self._tasks.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is not None:
                if on_error is not None:
                    on_error(exc)
                elif isinstance(exc, ClientError | TimeoutError):
                    self.notice.emit(f"{what or 'Request'} failed: {exc or type(exc).__name__}")
                else:
                    log.error("%s failed", what or "task", exc_info=exc)
                    self.notice.emit(f"{what or 'Request'} failed: {exc!r}")
            elif on_done is not None:
                on_done(t.result())

        task.add_done_callback(finished)
        return task

    def set_duty(self, on_duty: bool) -> None:
        self._wait_for("set_duty", self.run(self.client.set_duty(on_duty), what="On Duty" if on_duty else "Off Duty"))

    def set_presence(self, presence: Presence) -> None:
        self._wait_for("set_presence", self.run(self.client.set_presence(presence), what=f"Presence {presence.value}"))

    def _wait_for(self, ref: str, task: asyncio.Task[Any]) -> None:
        self._waiting[ref] += 1
        task.add_done_callback(lambda _: self._waiting.subtract((ref,)))

    def send_text(self, chat_id: str, text: str) -> None:
        model = self.chats.get(chat_id)
        text = text.strip()
        if model is None or not text:
            return
        key = model.add_pending(text, self._my_name())
        task = self.run(self.client.send_message(chat_id, text), lambda sent: model.mark_sent(key, sent), "Send")
        task.add_done_callback(lambda t: None if t.cancelled() or t.exception() is None
                               else model.mark_failed(key, str(t.exception())))

    def greeting_text(self) -> str:
        profile = self.client.profile
        return greeting(self.settings.greeting, profile) if profile is not None else ""

    def memo_text(self, chat_id: str) -> str:
        model = self.chats.get(chat_id)
        profile = self.client.profile
        if model is None or profile is None:
            return ""
        return memo(model.info, profile, model.first_requestor_text())

    def send_greeting(self, chat_id: str) -> None:
        self.send_text(chat_id, self.greeting_text())

    def typing(self, chat_id: str, active: bool) -> None:
        if self.view.online and chat_id in self.chats and self.chats[chat_id].running:
            self.run(self.client.typing(chat_id, active), what="Typing")

    def end_chat(self, chat_id: str) -> None:
        self.run(self.client.end_chat(chat_id), what="End chat")

    def close_chat(self, chat_id: str) -> None:
        """Close the window's chat; if the connection is down it is closed again after the reconnect."""
        self._closing.add(chat_id)
        if self.view.online:
            self.run(self._close(chat_id), what="Close chat")

    def save_memo(self, chat_id: str, text: str) -> None:
        model = self.chats.get(chat_id)
        self.run(self.client.save_memo(chat_id, text), lambda memo: model.add_memo(memo) if model else None,
                 "Saving the memo")

    def search_chats(self, query: str, on_done: Callable[[list[ChatInfo]], None]) -> None:
        self.run(self.client.list_chats(query=query.strip() or None, limit=100), on_done, "Search")

    def transcript(self, chat_id: str, on_done: Callable[[Transcript], None]) -> None:
        def got(t: Transcript) -> None:
            self.remember(chat_card(t.chat))
            on_done(t)

        self.run(self.client.get_transcript(chat_id), got, "Transcript")

    def remember(self, card: BusinessContext) -> None:
        """A recently opened item, offered when sending a business context to a colleague."""
        self.recent = [card, *[c for c in self.recent if (c.kind, c.id) != (card.kind, card.id)]][:RECENT_ITEMS]

    def callbacks(self, on_done: Callable[[list[CallbackInfo]], None], done: bool = False) -> None:
        self.run(self.client.list_callbacks(limit=LIST_LIMIT, done=done), on_done, "Callback requests")

    def open_callbacks(self) -> int:
        return self.view.callbacks

    @property
    def username(self) -> str:
        return self.client.username

    def claim_callback(self, callback_id: int, on_done: Callable[[CallbackInfo], None] | None = None,
                       on_error: OnError | None = None) -> None:
        self.run(self.client.claim_callback(callback_id), on_done, "Claiming the callback request", on_error)

    def finish_callback(self, callback_id: int, outcome: CallbackOutcome, note: str | None,
                        on_done: Callable[[CallbackInfo], None] | None = None) -> None:
        self.run(self.client.finish_callback(callback_id, outcome, note), on_done, "Marking the callback request done")

    def upload(self, chat_id: str, data: bytes, name: str, content_type: str) -> None:
        model = self.chats.get(chat_id)
        if model is None:
            return
        key = model.add_pending(name, self._my_name())
        task = self.run(self.client.upload_file(chat_id, data, name, content_type=content_type), None, "Upload")

        def done(t: asyncio.Task[Any]) -> None:
            if t.cancelled():
                return
            if t.exception() is not None:
                model.mark_failed(key, str(t.exception()))
                return
            up = t.result()
            model.mark_sent(key, Sent(chat_id=chat_id, client_msg_id=key, seq=up.seq, at=up.at), up.file)

        task.add_done_callback(done)

    def download(self, file_id: str, on_done: Callable[[Downloaded], None]) -> None:
        self.run(self.client.download_file(file_id), on_done, "Download")

    # --- events ----------------------------------------------------------------------------

    async def _read_events(self) -> None:
        self.client.start_nowait()  # no-op when already started (e.g. by the sign-in)
        async for event in self.client.events():
            try:
                self.apply(event)
            except Exception:
                log.exception("applying %r", event)

    def apply(self, event: ClientEvent) -> None:
        """One client event -> models and signals (public so tests can feed events directly)."""
        match event:
            case Connected():
                self._set_link(Link.CONNECTING, "signing in")
            case Disconnected():
                self.voice.connection_lost()
                if not self._stopping:
                    self._set_link(Link.RECONNECTING, event.reason)
            case Reconnecting():
                self._set_link(Link.RECONNECTING, f"next try in {event.delay:.0f} s")
            case GaveUp():
                self._set_link(Link.OFFLINE, event.reason)
                self.finished.emit(event)
            case LoginOk():
                self.view.profile = event.profile
                self.token_changed.emit(event.token)
                self._set_link(Link.ONLINE, "")
                # The queues' titles, for everything that names a queue; without them the names are shown.
                self.run(self.client.get_partners(), self._got_partners,
                         on_error=lambda exc: log.info("no queue titles: %r", exc))
            case AgentStatus():
                self.view.status = event
                for chat_id in [c for c in self._closing if c not in event.open_chats]:
                    self._drop(chat_id)  # closed while we were away
                self.changed.emit()
            case QueueStatus():
                self.view.queues[event.queue] = event
                self.changed.emit()
            case SupervisorRole():
                self.view.supervisor = event
                self.changed.emit()
            case StaffingAlert():
                self.view.staffing_alert(event)
                self.alert.emit(event)
                self.changed.emit()
            case ChatAssigned():
                self._assigned(event)
            case ChatMessage():
                model = self.chats.get(event.chat_id)
                if model is not None:
                    model.add_message(event)
            case Whisper():
                model = self.chats.get(event.chat_id)
                if model is not None:
                    model.add_whisper(event)
                else:
                    log.info("whisper for a chat without a window: %s", event.chat_id)
            case CobrowseUpdate():
                self.cobrowse_changed.emit(event)
            case PeerTyping():
                model = self.chats.get(event.chat_id)
                if model is not None:
                    model.set_peer_typing(event.name if event.active else None)
            case ChatEnded():
                model = self.chats.get(event.chat_id)
                if model is not None:
                    model.set_ended(event)
            case ChatClosed():
                self._drop(event.chat_id)
            case CannedList():
                self.canned_changed.emit()
            case DiscussionOffer() | DiscussionUpdate() | DiscussionMessage():
                self.handovers.apply(event)
            case Contacts() | ContactStatus() | ImMessage():
                self.colleagues.apply(event)
            case CallUpdate() | PeerAnswer() | PeerCandidate():
                self.voice.apply(event)
            case Error():
                self._refused(event)
            case CallbackUpdate():
                self.callback_changed.emit(event.item)
            case MemoSaved():
                pass
            case _:
                pass

    def _got_partners(self, partners: Partners) -> None:
        titles = {q.queue: q.title for q in partners.queues if q.title}
        if titles != self.view.queue_titles:
            self.view.queue_titles = titles
            self.titles_changed.emit()
            self.changed.emit()

    def _refused(self, error: Error) -> None:
        """Every server ``error`` is logged; one refusing an action nobody waits for is shown as well.

        The client passes every ``error`` on as an event, also those that already failed a request (whose
        task shows it), so only the ``ref``s in :data:`UNAWAITED` become a notice here.
        """
        log.warning("server error %s (ref %s): %s", error.code.value, error.ref or "none", error.detail or "no detail")
        what = UNAWAITED.get(error.ref or "")
        if what is not None and error.ref is not None and self._waiting[error.ref] <= 0 and not self._stopping:
            self.notice.emit(f"{what} failed: {RequestFailed(error.code, error.detail, error.ref)}")

    def _assigned(self, event: ChatAssigned) -> None:
        chat_id = event.chat.chat_id
        if chat_id in self._closing:
            self.run(self._close(chat_id), what="Close chat")
            return
        model = self.chats.get(chat_id)
        if model is not None:
            model.set_info(event.chat)
            return
        model = ChatModel(event.chat, event.waited_s, self)
        model.transferred_from = event.transferred_from
        model.set_online(self.view.online)
        self.remember(chat_card(event.chat))
        self.chats[chat_id] = model
        self.chat_opened.emit(chat_id)
        if self.settings.auto_greeting and not event.resumed and self.client.profile is not None:
            # After the replayed messages of this assignment, so the greeting follows the first question.
            asyncio.get_running_loop().call_soon(self._auto_greet, chat_id)

    def _auto_greet(self, chat_id: str) -> None:
        model = self.chats.get(chat_id)
        if model is not None and model.running and not model.agent_spoke():
            self.send_greeting(chat_id)

    async def _close(self, chat_id: str) -> None:
        try:
            await self.client.close_chat(chat_id)
        except ConnectionLost:
            log.info("closing %s again after the reconnect", chat_id)

    def _drop(self, chat_id: str) -> None:
        self._closing.discard(chat_id)
        model = self.chats.pop(chat_id, None)
        self.voice.forget(chat_id)
        if model is not None:
            self.chat_removed.emit(chat_id)
            model.deleteLater()

    def _set_link(self, link: Link, detail: str) -> None:
        self.view.link = link
        self.view.link_detail = detail
        for model in self.chats.values():
            model.set_online(link is Link.ONLINE)
        self.changed.emit()

    def _my_name(self) -> str:
        profile = self.client.profile
        return profile.display_name if profile is not None else self.client.username
