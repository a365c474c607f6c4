"""Choose discussion partner (seed 001, step 2): every queue with how many of its agents are routable
right now, and my contacts with presence; "Send request" offers the discussion to the chosen one.

The lists are kept live: the picker asks for ``partners`` again every few seconds while it is shown.
The same dialog in *cold* mode lists only the queues a chat can be cold-transferred to, and asks
before doing it (a cold transfer is the explicit fallback: nobody confirms the area first).
"""

from __future__ import annotations

from collections.abc import Callable

from onduty.client.app.colleagues.colleagues import PRESENCE_TEXT
from onduty.client.app.prompts import Confirm
from onduty.client.app.qt.core import Qt, QTimer, Signal
from onduty.client.app.qt.gui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from onduty.client.app.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from onduty.client.app.tray.icons import CONTACT_COLORS, dot_icon
from onduty.shared.messages import Partners
from onduty.shared.types import Colleague, QueueAvailability

REFRESH_MS = 5000
KEY = int(Qt.ItemDataRole.UserRole) + 1


def queue_text(q: QueueAvailability) -> str:
    free = f"{q.routable} available" if q.routable else "nobody available"
    title = f"{q.title} ({q.queue})" if q.title and q.title != q.queue else q.queue
    region = f" · {q.region}" if q.region else ""
    return f"{title}{region}  —  {free} · {q.on_duty} on duty"


def contact_text(c: Colleague) -> str:
    queues = ", ".join(c.queues)
    return f"{c.display_name}  —  {PRESENCE_TEXT[c.presence]}" + (f" · {queues}" if queues else "")


class PartnerPicker(QDialog):
    requested = Signal(object, object)
    """(queue, colleague): exactly one is set. In cold mode: (queue, None) after the agent confirmed."""

    def __init__(self, chat_label: str, refresh: Callable[[], None], confirm: Confirm, *, cold: bool = False,
                 own_queues: tuple[str, ...] = (), refresh_ms: int = REFRESH_MS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cold = cold
        self._refresh = refresh
        self._confirm = confirm
        self._own = own_queues
        self._chat_label = chat_label
        self.setWindowTitle("Cold transfer" if cold else "Choose discussion partner")
        self.resize(520, 480)
        intro = QLabel(
            f"Move the chat with {chat_label} straight to another queue's waiting line. Nobody confirms the "
            "area first: prefer Discuss… when you can." if cold else
            f"Find an expert for the chat with {chat_label}: pick the receiving queue (one of its available "
            "agents gets the request) or a colleague, then Send request.")
        intro.setWordWrap(True)
        self.queues = QListWidget()
        self.contacts = QListWidget()
        self.status = QLabel("Loading…")
        self.status.setObjectName("pickerStatus")
        self.buttons = QDialogButtonBox()
        self.send_button = QPushButton("Cold transfer…" if cold else "Send request")
        self.send_button.setDefault(True)
        self.buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("<b>Queues</b> (agents available now)"))
        layout.addWidget(self.queues, 2)
        self.contacts_title = QLabel("<b>My contacts</b>")
        layout.addWidget(self.contacts_title)
        layout.addWidget(self.contacts, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        if cold:
            self.contacts_title.hide()
            self.contacts.hide()
        self.queues.currentItemChanged.connect(lambda cur, _p: self._picked(self.queues, self.contacts, cur))
        self.contacts.currentItemChanged.connect(lambda cur, _p: self._picked(self.contacts, self.queues, cur))
        for widget in (self.queues, self.contacts):
            widget.itemActivated.connect(lambda _item: self.send())
        QShortcut(QKeySequence("F5"), self, self._refresh)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self._refresh)
        self.send_button.setEnabled(False)

    # --- live availability -------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._refresh()
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self.timer.stop()
        super().hideEvent(event)

    def show_partners(self, partners: Partners) -> None:
        """Redraw both lists from the server's answer, keeping the agent's selection."""
        queues = [q for q in partners.queues if not (self.cold and q.queue in self._own)]
        self._fill(self.queues, [(q.queue, queue_text(q), q.routable > 0, None) for q in queues])
        self._fill(self.contacts, [(c.username, contact_text(c), True, CONTACT_COLORS[c.presence])
                                   for c in partners.contacts])
        free = sum(q.routable for q in queues)
        agents = "agent" if free == 1 else "agents"
        self.status.setText(f"{len(queues)} queues, {free} {agents} available now · updated live (F5 refreshes)")

    def _fill(self, widget: QListWidget, rows: list[tuple[str, str, bool, str | None]]) -> None:
        current = widget.currentItem()
        keep = current.data(KEY) if current is not None else None
        widget.blockSignals(True)
        widget.clear()
        for key, text, available, colour in rows:
            item = QListWidgetItem(text)
            item.setData(KEY, key)
            if colour is not None:
                item.setIcon(dot_icon(colour))
            if not available:
                item.setForeground(Qt.GlobalColor.gray)
            widget.addItem(item)
            if key == keep:
                widget.setCurrentItem(item)
        widget.blockSignals(False)
        self._update_button()

    def rows(self, widget: QListWidget) -> list[str]:
        """The texts shown (for tests and screen readers)."""
        return [widget.item(i).text() for i in range(widget.count())]

    # --- choosing ----------------------------------------------------------------------------

    def select(self, key: str) -> bool:
        for widget in (self.queues, self.contacts):
            for i in range(widget.count()):
                if widget.item(i).data(KEY) == key:
                    widget.setCurrentRow(i)
                    return True
        return False

    def chosen(self) -> tuple[str | None, str | None]:
        queue = self.queues.currentItem()
        if queue is not None:
            return str(queue.data(KEY)), None
        contact = self.contacts.currentItem()
        if contact is not None:
            return None, str(contact.data(KEY))
        return None, None

    def send(self) -> None:
        queue, colleague = self.chosen()
        if queue is None and colleague is None:
            return
        if self.cold and not self._confirm(
            self, "Cold transfer?",
            f"Move the chat with {self._chat_label} to the waiting line of {queue} without a discussion?\n\n"
            "Your window closes; the first available agent there gets the chat with its history.",
        ):
            return
        self.requested.emit(queue, colleague)
        self.accept()

    def _picked(self, this: QListWidget, other: QListWidget, current: QListWidgetItem | None) -> None:
        if current is not None:
            other.blockSignals(True)
            other.setCurrentRow(-1)
            other.clearSelection()
            other.blockSignals(False)
        self._update_button()

    def _update_button(self) -> None:
        self.send_button.setEnabled(self.chosen() != (None, None))
