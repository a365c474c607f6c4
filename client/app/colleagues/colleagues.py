"""Colleagues as the app keeps them (seed 002): my mutual contacts with live presence, the directory,
and my IM channels (at most five open; the server refuses a sixth with a text the window shows).

Fed by the session with ``contacts`` / ``contact_status`` / ``im_message``; the contacts window and the
IM window read it and call its methods, which run the requests as tasks.
"""

from __future__ import annotations

from onduty.client.app.colleagues.im_model import ChannelModel
from onduty.client.app.qt.core import QObject, Signal
from onduty.client.desk.backend import Backend
from onduty.client.net import RequestFailed
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import Channel, Contacts, ContactStatus, ImMessage
from onduty.shared.types import BusinessContext, Colleague, ContactPresence

ColleagueEvent = Contacts | ContactStatus | ImMessage

PRESENCE_TEXT: dict[ContactPresence, str] = {
    ContactPresence.ONLINE: "Online",
    ContactPresence.BUSY: "Busy",
    ContactPresence.OFFLINE: "Offline",
}

LIMIT_TEXT = "You have five conversations open. Close one of them first."


class Colleagues(QObject):
    contacts_changed = Signal()
    directory_found = Signal(object)
    """The colleagues found by the last search (a list of :class:`Colleague`)."""
    channel_opened = Signal(str)
    """The channel with this peer is open and its history loaded: show its tab."""
    channel_closed = Signal(str)
    channel_refused = Signal(str, str)
    """(peer, the server's refusal): e.g. a sixth channel."""
    incoming = Signal(str)
    """A message from this peer arrived (its channel may not be open yet)."""

    def __init__(self, backend: Backend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self.channels: dict[str, ChannelModel] = {}
        self._waiting: dict[str, list[ImMessage]] = {}
        """Messages that arrived for a channel not open here yet (shown once it is)."""
        self._opening: set[str] = set()
        self._after_open: dict[str, list[tuple[str, BusinessContext]]] = {}
        """Cards to send once their channel is open."""

    @property
    def me(self) -> str:
        return self._backend.client.username

    @property
    def contacts(self) -> list[Colleague]:
        """My contacts, Online first, then Busy, then Offline, each by name."""
        order = {ContactPresence.ONLINE: 0, ContactPresence.BUSY: 1, ContactPresence.OFFLINE: 2}
        return sorted(self._backend.client.contacts.values(),
                      key=lambda c: (order[c.presence], c.display_name.casefold()))

    def contact(self, username: str) -> Colleague | None:
        return self._backend.client.contacts.get(username)

    def name_of(self, username: str) -> str:
        c = self.contact(username)
        return c.display_name if c is not None else username

    # --- events from the session -------------------------------------------------------------

    def apply(self, event: ColleagueEvent) -> None:
        match event:
            case Contacts() | ContactStatus():
                self.contacts_changed.emit()
            case ImMessage(peer=peer):
                model = self.channels.get(peer)
                if model is not None:
                    if model.add_message(event):
                        model.unread += 1
                else:
                    self._waiting.setdefault(peer, []).append(event)
                self.incoming.emit(peer)

    # --- requests ----------------------------------------------------------------------------

    def search(self, query: str) -> None:
        self._backend.run(self._backend.client.find_colleagues(query.strip(), 100), self.directory_found.emit,
                          "Directory search")

    def add(self, username: str) -> None:
        self._backend.run(self._backend.client.add_contact(username), what="Add contact")

    def remove(self, username: str) -> None:
        self._backend.run(self._backend.client.remove_contact(username), what="Remove contact")

    def open(self, peer: str) -> None:
        """Open the channel (loading its history); an open one is just shown again."""
        if peer in self.channels:
            self.channel_opened.emit(peer)
            return
        if peer in self._opening:
            return
        self._opening.add(peer)
        self._backend.run(self._backend.client.open_channel(peer), self._opened, "Open conversation",
                          on_error=lambda exc: self._refused(peer, exc))

    def _opened(self, channel: Channel) -> None:
        peer = channel.peer
        self._opening.discard(peer)
        model = self.channels.get(peer)
        if model is None:
            model = ChannelModel(peer, self.name_of(peer), self.me, self)
            self.channels[peer] = model
        model.add_messages(channel.messages)
        model.add_messages(self._waiting.pop(peer, []))
        self.channel_opened.emit(peer)
        for text, context in self._after_open.pop(peer, []):
            self.send(peer, text, context)

    def _refused(self, peer: str, exc: BaseException) -> None:
        self._opening.discard(peer)
        self._after_open.pop(peer, None)
        if isinstance(exc, RequestFailed) and exc.code is ErrorCode.CHANNEL_LIMIT:
            self.channel_refused.emit(peer, f"{LIMIT_TEXT} ({exc.detail})" if exc.detail else LIMIT_TEXT)
        else:
            self.channel_refused.emit(peer, f"Cannot open the conversation: {exc}")

    def load_earlier(self, peer: str) -> None:
        """The page before the oldest message shown (the channel opens with its latest 100)."""
        model = self.channels.get(peer)
        if model is None or model.first_seq() <= 1:
            return
        after = max(0, model.first_seq() - 101)
        self._backend.run(self._backend.client.im_history(peer, after),
                          lambda page: model.add_messages(page.messages), "Earlier messages")

    def close(self, peer: str) -> None:
        if self.channels.pop(peer, None) is not None:
            self._backend.run(self._backend.client.close_channel(peer), what="Close conversation")
            self.channel_closed.emit(peer)

    def send(self, peer: str, text: str, context: BusinessContext | None = None) -> None:
        """Shown at once as sending…; resent after a reconnect until stored; delivered now or at sign-in."""
        model = self.channels.get(peer)
        text = text.strip()
        if model is None or (not text and context is None):
            return
        profile = self._backend.client.profile
        key = model.add_pending(text, profile.display_name if profile else self.me, context)

        def failed(exc: BaseException) -> None:
            model.mark_failed(key, str(exc))
            if isinstance(exc, RequestFailed) and exc.code is ErrorCode.CHANNEL_LIMIT:
                self.channel_refused.emit(peer, f"{LIMIT_TEXT} ({exc.detail})")

        self._backend.run(self._backend.client.im_send(peer, text, context), lambda sent: model.mark_sent(key, sent),
                          "Message", on_error=failed)

    def send_context(self, peer: str, context: BusinessContext, text: str = "") -> None:
        """Send a business context card: the channel opens first (within the limit)."""
        if peer in self.channels:
            self.send(peer, text, context)
            return
        self._after_open.setdefault(peer, []).append((text, context))
        self.open(peer)
