"""The chat windows of a session: opened when a chat is assigned, released when the server closed it."""

from __future__ import annotations

from collections.abc import Callable

from onduty.client.app.chat.chat_window import ChatWindow
from onduty.client.app.chat.placement import TrayRect, place_new, place_of
from onduty.client.app.handover.handover_bar import HandoverBar
from onduty.client.app.prompts import Confirm
from onduty.client.app.qt.core import QObject, Signal
from onduty.client.app.qt.widgets import QApplication
from onduty.client.app.session import AgentSession
from onduty.client.app.tray.tray import OpenChat
from onduty.client.app.voice.call_bar import CallBar
from onduty.client.desk.announce import HANDOVER_SHORTCUTS
from onduty.client.desk.canned import CannedIndex
from onduty.client.desk.templates import REQUEST_TYPE_LABELS
from onduty.client.desk.window_place import PlaceStore

Notify = Callable[[str, str], None]


class ChatWindows(QObject):
    opened = Signal(object)
    """The :class:`ChatWindow` that just popped up."""
    released = Signal(str)

    def __init__(self, session: AgentSession, confirm: Confirm, notify: Notify, places: PlaceStore,
                 tray: TrayRect = lambda: None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._places = places
        self._tray = tray
        self._confirm = confirm
        self._notify = notify
        self.windows: dict[str, ChatWindow] = {}
        session.chat_opened.connect(self.open)
        session.chat_removed.connect(self.release)
        session.canned_changed.connect(self._canned_changed)
        session.titles_changed.connect(self._titles_changed)
        session.voice.asked.connect(self._call_asked)

    def open(self, chat_id: str) -> ChatWindow | None:
        model = self._session.chats.get(chat_id)
        if model is None:
            return None
        window = self.windows.get(chat_id)
        if window is None:
            canned = CannedIndex.for_queue(self._session.client.canned, model.info.queue)
            window = ChatWindow(model, self._session, canned, self._confirm)
            window.set_handover(self._handover_bar(chat_id, canned))
            window.set_call_bar(CallBar(chat_id, model.info.requestor.name, self._session.voice))
            place_new(window, self._places, self._tray, list(self.windows.values()))
            self.windows[chat_id] = window
            info = model.info
            if self._session.settings.notifications:
                kind = REQUEST_TYPE_LABELS.get(info.request_type, info.request_type.value)
                self._notify(f"Chat from {info.requestor.name}", f"{self._session.queue_title(info.queue)} · {kind}")
        window.present()
        QApplication.alert(window)
        self.opened.emit(window)
        return window

    def _handover_bar(self, chat_id: str, canned: CannedIndex) -> HandoverBar:
        model = self._session.chats[chat_id]
        profile = self._session.client.profile
        own = tuple(profile.queues) if profile is not None else (model.info.queue,)
        texts = tuple(t for t in (canned.expand("/" + s) for s in HANDOVER_SHORTCUTS) if t)
        return HandoverBar(chat_id, model.info.requestor.name, own, self._session.handovers, self._confirm, texts)

    def _call_asked(self, chat_id: str) -> None:
        """The requestor asks for a call: the window comes up (and flashes) to show Answer."""
        window = self.windows.get(chat_id)
        if window is not None:
            window.present()
            QApplication.alert(window)

    def show(self, chat_id: str) -> bool:
        window = self.windows.get(chat_id)
        if window is None:
            return False
        window.present()
        return True

    def current(self) -> str | None:
        """The chat to show on a left click: the newest running one, else the newest."""
        running = [cid for cid, w in self.windows.items() if w.model.running]
        ids = running or list(self.windows)
        return ids[-1] if ids else None

    def open_chats(self) -> list[OpenChat]:
        title = self._session.queue_title
        return [OpenChat(cid, f"{w.model.info.requestor.name} · {title(w.model.info.queue)}", w.model.running)
                for cid, w in self.windows.items()]

    def release(self, chat_id: str) -> None:
        window = self.windows.pop(chat_id, None)
        if window is not None:
            self._places.save(place_of(window))  # the next chat window opens where the agent left this one
            window.release()
            self.released.emit(chat_id)

    def release_all(self) -> None:
        for chat_id in list(self.windows):
            self.release(chat_id)

    def _canned_changed(self) -> None:
        for window in self.windows.values():
            window.input.set_canned(CannedIndex.for_queue(self._session.client.canned, window.model.info.queue))

    def _titles_changed(self) -> None:
        for window in self.windows.values():
            window.refresh()
