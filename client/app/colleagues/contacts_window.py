"""Contacts (seed 002): my colleagues with live presence, the directory to add more, and what I can do
with each: message, phone (``tel:``), e-mail (``mailto:``), send a business context.

Online contacts offer all four; Busy and Offline ones only message and e-mail (a message to an
offline colleague is delivered at their next sign-in). Contact lists are mutual: adding or removing
someone changes their list too, and both lists update live.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from onduty.client.app.colleagues.colleagues import PRESENCE_TEXT, Colleagues
from onduty.client.app.connections import Connections
from onduty.client.app.qt.core import Qt, QTimer, QUrl, Signal
from onduty.client.app.qt.gui import QDesktopServices, QKeySequence, QShortcut
from onduty.client.app.qt.widgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from onduty.client.app.tray.icons import CONTACT_COLORS, dot_icon
from onduty.shared.types import Colleague, ContactPresence

KEY = int(Qt.ItemDataRole.UserRole) + 1
SEARCH_DELAY_MS = 300
OpenUrl = Callable[[QUrl], bool]


def colleague_text(c: Colleague, with_presence: bool = True) -> str:
    parts = [c.display_name]
    if with_presence:
        parts.append(PRESENCE_TEXT[c.presence])
    parts += [", ".join(c.queues), c.region]
    return "  ·  ".join(p for p in parts if p)


def tel_url(phone: str) -> QUrl:
    return QUrl("tel:" + "".join(ch for ch in phone if ch.isdigit() or ch == "+"))


def mailto_url(email: str, subject: str = "") -> QUrl:
    return QUrl(f"mailto:{email}" + (f"?subject={quote(subject)}" if subject else ""))


class ContactsWindow(QWidget):
    context_wanted = Signal(str)
    """Send a business context to this contact: the app offers the current chat and recent items."""

    def __init__(self, colleagues: Colleagues, open_url: OpenUrl = QDesktopServices.openUrl,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._colleagues = colleagues
        self._open_url = open_url
        self.setWindowTitle("Contacts")
        self.resize(520, 600)
        self.contacts = QListWidget()
        self.contacts.setAccessibleName("My contacts")
        self.message_button = QPushButton("Message")
        self.call_button = QPushButton("Call")
        self.email_button = QPushButton("E-mail")
        self.context_button = QPushButton("Send context…")
        self.remove_button = QPushButton("Remove")
        self.message_button.clicked.connect(self.message)
        self.call_button.clicked.connect(self.call)
        self.email_button.clicked.connect(self.email)
        self.context_button.clicked.connect(self._context)
        self.remove_button.clicked.connect(self.remove)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find colleagues by name, queue or region")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setAccessibleName("Directory")
        self.add_button = QPushButton("Add to contacts")
        self.add_button.clicked.connect(self.add)
        self.status = QLabel()
        self.status.setWordWrap(True)

        actions = QHBoxLayout()
        for button in (self.message_button, self.call_button, self.email_button, self.context_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>My contacts</b>"))
        layout.addWidget(self.contacts, 3)
        layout.addLayout(actions)
        layout.addWidget(QLabel("<b>Directory</b>"))
        layout.addWidget(self.search)
        layout.addWidget(self.results, 2)
        layout.addWidget(self.add_button)
        layout.addWidget(self.status)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self.search.returnPressed.connect(self.run_search)
        self.contacts.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.contacts.itemActivated.connect(lambda _item: self.message())
        self.results.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.results.itemActivated.connect(lambda _item: self.add())
        self._wires = Connections()
        self._wires.connect(colleagues.contacts_changed, self.refresh)
        self._wires.connect(colleagues.directory_found, self.show_directory)
        self._wires.connect(colleagues.channel_refused, self.refused)
        QShortcut(QKeySequence("Ctrl+F"), self, self.search.setFocus)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)
        self.refresh()

    # --- lists ---------------------------------------------------------------------------------


    def detach(self) -> None:
        """Signed out: nothing of the session reaches this window any more."""
        self._wires.disconnect_all()
    def refresh(self) -> None:
        current = self.selected()
        keep = current.username if current is not None else None
        self.contacts.blockSignals(True)
        self.contacts.clear()
        for c in self._colleagues.contacts:
            item = QListWidgetItem(dot_icon(CONTACT_COLORS[c.presence]), colleague_text(c))
            item.setData(KEY, c.username)
            self.contacts.addItem(item)
            if c.username == keep:
                self.contacts.setCurrentItem(item)
        self.contacts.blockSignals(False)
        if self.contacts.currentItem() is None and self.contacts.count():
            self.contacts.setCurrentRow(0)
        if not self.contacts.count():
            self.status.setText("No contacts yet: find colleagues below and add them.")
        elif self.status.text().startswith("No contacts yet"):
            self.status.setText(f"{self.contacts.count()} contact{'s' if self.contacts.count() != 1 else ''}.")
        self._update_buttons()

    def run_search(self) -> None:
        self._timer.stop()
        self._colleagues.search(self.search.text())

    def show_directory(self, found: list[Colleague]) -> None:
        mine = {c.username for c in self._colleagues.contacts}
        me = self._colleagues.me
        self.results.clear()
        for c in found:
            if c.username == me:
                continue
            suffix = "  (in your contacts)" if c.username in mine else ""
            item = QListWidgetItem(colleague_text(c, with_presence=False) + suffix)
            item.setData(KEY, c.username)
            self.results.addItem(item)
        self.status.setText(f"{self.results.count()} colleague(s) found.")
        self._update_buttons()

    def refused(self, _peer: str, text: str) -> None:
        self.status.setText(text)

    def rows(self, widget: QListWidget) -> list[str]:
        return [widget.item(i).text() for i in range(widget.count())]

    def select(self, username: str) -> bool:
        for widget in (self.contacts, self.results):
            for i in range(widget.count()):
                if widget.item(i).data(KEY) == username:
                    widget.setCurrentRow(i)
                    return True
        return False

    def selected(self) -> Colleague | None:
        item = self.contacts.currentItem()
        return self._colleagues.contact(str(item.data(KEY))) if item is not None else None

    def _update_buttons(self) -> None:
        c = self.selected()
        online = c is not None and c.presence is ContactPresence.ONLINE
        self.message_button.setEnabled(c is not None)
        self.email_button.setEnabled(c is not None and bool(c.email))
        self.call_button.setEnabled(online and c is not None and bool(c.phone))
        self.context_button.setEnabled(online)
        self.remove_button.setEnabled(c is not None)
        result = self.results.currentItem()
        self.add_button.setEnabled(result is not None
                                   and self._colleagues.contact(str(result.data(KEY))) is None)

    # --- actions -------------------------------------------------------------------------------

    def message(self) -> None:
        c = self.selected()
        if c is not None:
            self._colleagues.open(c.username)

    def call(self) -> None:
        c = self.selected()
        if c is not None and c.phone and c.presence is ContactPresence.ONLINE:
            self._open_url(tel_url(c.phone))

    def email(self) -> None:
        c = self.selected()
        if c is not None and c.email:
            self._open_url(mailto_url(c.email))

    def _context(self) -> None:
        c = self.selected()
        if c is not None and c.presence is ContactPresence.ONLINE:
            self.context_wanted.emit(c.username)

    def add(self) -> None:
        item = self.results.currentItem()
        if item is not None and self._colleagues.contact(str(item.data(KEY))) is None:
            self._colleagues.add(str(item.data(KEY)))

    def remove(self) -> None:
        c = self.selected()
        if c is not None:
            self._colleagues.remove(c.username)
