"""Send business context (seed 002): pick what to send a colleague, from the chat I am working on or the
items I opened lately (chats, past chats' transcripts); it arrives as a card that opens the transcript."""

from __future__ import annotations

from onduty.client.app.qt.core import Qt, Signal
from onduty.client.app.qt.widgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)
from onduty.client.desk.context_card import context_line
from onduty.shared.types import BusinessContext


class ContextPicker(QDialog):
    chosen = Signal(object, str)
    """(the :class:`BusinessContext`, a note to go with it)."""

    def __init__(self, peer_name: str, current: list[BusinessContext], recent: list[BusinessContext],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Send business context to {peer_name}")
        self.resize(480, 420)
        self.items = QListWidget()
        self.cards: list[BusinessContext] = []
        seen: set[tuple[str, str]] = set()
        for heading, cards in (("Current", current), ("Recently opened", recent)):
            for card in cards:
                if (card.kind, card.id) in seen:
                    continue
                seen.add((card.kind, card.id))
                item = QListWidgetItem(f"{heading}: {context_line(card)}")
                item.setData(Qt.ItemDataRole.UserRole, len(self.cards))
                item.setToolTip("\n".join(f"{k}: {v}" for k, v in sorted(card.fields.items())))
                self.cards.append(card)
                self.items.addItem(item)
        if self.items.count():
            self.items.setCurrentRow(0)
        self.note = QLineEdit()
        self.note.setPlaceholderText("A note to go with it (optional)")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send_button = buttons.addButton("Send", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send_button.setEnabled(bool(self.cards))
        buttons.accepted.connect(self.send)
        buttons.rejected.connect(self.reject)
        self.items.itemActivated.connect(lambda _item: self.send())
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("What do you want to send?" if self.cards else "Nothing opened yet."))
        layout.addWidget(self.items, 1)
        layout.addWidget(self.note)
        layout.addWidget(buttons)

    def send(self) -> None:
        item = self.items.currentItem()
        if item is None:
            return
        self.chosen.emit(self.cards[int(item.data(Qt.ItemDataRole.UserRole))], self.note.text().strip())
        self.accept()
