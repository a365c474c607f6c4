"""The windows of working with colleagues: the receiver's discussion panels (with a notification), the
contacts window, the IM window, the business context picker and the transcripts cards open."""

from __future__ import annotations

from collections.abc import Callable

from onduty.client.app.chat.history import transcript_html
from onduty.client.app.colleagues.contacts_window import ContactsWindow
from onduty.client.app.colleagues.context_picker import ContextPicker
from onduty.client.app.colleagues.im_window import ImWindow
from onduty.client.app.connections import Connections
from onduty.client.app.handover.discussion_panel import DiscussionWindow
from onduty.client.app.prompts import Confirm
from onduty.client.app.qt.core import QObject, Qt, QUrl
from onduty.client.app.qt.gui import QDesktopServices
from onduty.client.app.qt.widgets import QApplication, QDialog, QTextBrowser, QVBoxLayout, QWidget
from onduty.client.app.session import AgentSession
from onduty.client.desk.context_card import context_line, details_html
from onduty.client.desk.templates import chat_card
from onduty.shared.messages import Transcript
from onduty.shared.types import BusinessContext, DiscussionState

Notify = Callable[[str, str], None]
OpenUrl = Callable[[QUrl], bool]
TELL_SENDER = frozenset({DiscussionState.ACCEPTED, DiscussionState.DECLINED, DiscussionState.EXPIRED,
                         DiscussionState.NOBODY_AVAILABLE, DiscussionState.RECEIVER_LEFT})


class CollabWindows(QObject):
    def __init__(self, session: AgentSession, confirm: Confirm, notify: Notify,
                 open_url: OpenUrl = QDesktopServices.openUrl, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._confirm = confirm
        self._notify = notify
        self.discussions: dict[str, DiscussionWindow] = {}
        self._told: dict[str, DiscussionState] = {}
        self.contacts = ContactsWindow(session.colleagues, open_url)
        self.contacts.context_wanted.connect(self.pick_context)
        self.im = ImWindow(session.colleagues)
        self.im.context_opened.connect(self.open_card)
        self.viewers: set[QDialog] = set()
        self._wires = Connections()
        self._wires.connect(session.handovers.offered, self._offered)
        self._wires.connect(session.handovers.updated, self._updated)
        self._wires.connect(session.colleagues.incoming, self._incoming)

    # --- discussions ---------------------------------------------------------------------------

    def _offered(self, discussion_id: str) -> None:
        model = self._session.handovers.discussions[discussion_id]
        window = self.discussions.get(discussion_id)
        if window is None:
            window = DiscussionWindow(model, self._session.handovers, self._confirm)
            self.discussions[discussion_id] = window
        window.present()
        QApplication.alert(window)
        who = model.chat.requestor.name if model.chat is not None else "a requestor"
        self._notify(f"Discussion request from {model.info.sender_name}",
                     f"About the chat with {who}. Read the history, talk, then accept or decline.")

    def _updated(self, discussion_id: str) -> None:
        model = self._session.handovers.discussions.get(discussion_id)
        if model is None or not model.is_sender or self._told.get(discussion_id) is model.state:
            return
        self._told[discussion_id] = model.state
        if model.state in TELL_SENDER:
            self._notify("Discussion", model.text or model.state.value)

    # --- colleagues ----------------------------------------------------------------------------

    def show_contacts(self) -> None:
        self.contacts.show()
        self.contacts.raise_()
        self.contacts.activateWindow()
        self.contacts.refresh()

    def _incoming(self, peer: str) -> None:
        if self._session.settings.notifications and not self.im.isActiveWindow():
            self._notify("OnDuty", f"Message from {self._session.colleagues.name_of(peer)}")

    def pick_context(self, peer: str) -> ContextPicker:
        current = [chat_card(m.info) for m in self._session.chats.values()]
        picker = ContextPicker(self._session.colleagues.name_of(peer), current, self._session.recent, self.contacts)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(lambda card, note: self._session.colleagues.send_context(peer, card, note))
        picker.show()
        return picker

    def open_card(self, card: BusinessContext) -> None:
        """A chat card opens that chat's transcript; any other kind shows its fields."""
        if card.kind == "chat":
            title = self._session.queue_title
            self._session.transcript(card.id, lambda t: self._show(card, transcript_html(t, title), t))
            return
        self._show(card, details_html([card]), None)

    def _show(self, card: BusinessContext, body: str, _transcript: Transcript | None) -> None:
        dialog = QDialog(self.im)
        dialog.setWindowTitle(context_line(card))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resize(560, 520)
        view = QTextBrowser(dialog)
        view.setHtml(body)
        QVBoxLayout(dialog).addWidget(view)
        self.viewers.add(dialog)
        dialog.destroyed.connect(lambda _=None: self.viewers.discard(dialog))
        dialog.show()

    def release_all(self) -> None:
        """Signed out: the windows go, and nothing of the session reaches them any more."""
        self._wires.disconnect_all()
        self.im.detach()
        self.contacts.detach()
        windows: list[QWidget] = [*self.discussions.values(), self.contacts, self.im]
        for window in windows:
            window.hide()
            window.deleteLater()
        self.discussions.clear()
