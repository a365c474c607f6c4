"""The warm handover inside a chat window (seed 001): Discuss…, Cold transfer…, the sender's discussion
panel, and the warning when the agent tells the requestor about a transfer nobody accepted yet.

Step 1 (telling the requestor the agent looks for an expert) is a canned message; step 2 is
**Discuss…** (Ctrl+D): the partner picker, then "Send request"; steps 3 and 4 happen in the panel,
whose **Transfer** button is enabled only once the receiver accepted. A message announcing a transfer
before that is held once with a warning (Enter again sends it anyway).
"""

from __future__ import annotations

from onduty.client.app.handover.discussion_panel import DiscussionPanel
from onduty.client.app.handover.handover import Handovers
from onduty.client.app.handover.partner_picker import PartnerPicker
from onduty.client.app.prompts import Confirm
from onduty.client.app.qt.core import Qt
from onduty.client.app.qt.gui import QKeySequence, QShortcut
from onduty.client.app.qt.widgets import QLabel, QPushButton, QVBoxLayout, QWidget
from onduty.client.desk.announce import announces_transfer

WARNING = ("No expert has accepted this chat yet. Do not tell the requestor about a transfer before the "
           "receiving expert confirmed the area (Discuss…, then wait for Accept).")
HELD = " Press Enter again to send it anyway."
PANEL_MAX_PX = 230
"""The discussion panel's height at most: the chat below it stays readable."""
SENT_ANYWAY = "You announced a transfer before a receiving expert accepted it."


class HandoverBar(QWidget):
    def __init__(self, chat_id: str, chat_label: str, own_queues: tuple[str, ...], handovers: Handovers,
                 confirm: Confirm, handover_texts: tuple[str, ...] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chat_id = chat_id
        self._label = chat_label
        self._own = own_queues
        self._handovers = handovers
        self._confirm = confirm
        self._texts = handover_texts
        self._held: str | None = None
        self.running = True
        self.picker: PartnerPicker | None = None
        self.discuss_button = QPushButton("Discuss…")
        self.discuss_button.setToolTip("Find an expert of another queue or a colleague (Ctrl+D)")
        self.discuss_button.clicked.connect(self.open_picker)
        self.cold_button = QPushButton("Cold transfer…")
        self.cold_button.setToolTip("Fallback: move the chat to another queue's line without a discussion")
        self.cold_button.clicked.connect(self.open_cold_transfer)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setObjectName("handoverWarning")
        self.warning.setStyleSheet("background:#fde7e9; color:#8c1d18; border:1px solid #f4b4b0; "
                                   "border-radius:4px; padding:6px;")
        self.warning.hide()
        self.panel: DiscussionPanel | None = None
        self._panel_box = QVBoxLayout()
        self._panel_box.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)  # the chat window puts the two buttons beside its header
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.warning)
        layout.addLayout(self._panel_box)
        handovers.updated.connect(self._updated)
        QShortcut(QKeySequence("Ctrl+D"), self, self.open_picker, context=Qt.ShortcutContext.WindowShortcut)
        self.refresh()

    # --- discussion ----------------------------------------------------------------------------

    def open_picker(self) -> PartnerPicker | None:
        return self._open(cold=False)

    def open_cold_transfer(self) -> PartnerPicker | None:
        return self._open(cold=True)

    def _open(self, *, cold: bool) -> PartnerPicker | None:
        if not self.running or (not cold and not self.discuss_button.isEnabled()):
            return None
        if self.picker is not None:
            self.picker.close()
        picker = PartnerPicker(self._label, self._handovers.refresh_partners, self._confirm, cold=cold,
                               own_queues=self._own, parent=self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._handovers.partners_changed.connect(picker.show_partners)
        if self._handovers.partners is not None:
            picker.show_partners(self._handovers.partners)
        picker.requested.connect(self._cold if cold else self._discuss)
        picker.destroyed.connect(lambda _=None: self._picker_gone(picker))
        self.picker = picker
        picker.show()
        picker.raise_()
        picker.activateWindow()
        return picker

    def _picker_gone(self, picker: PartnerPicker) -> None:
        if self.picker is picker:
            self.picker = None

    def _discuss(self, queue: str | None, colleague: str | None) -> None:
        self._handovers.discuss(self.chat_id, queue=queue, colleague=colleague)

    def _cold(self, queue: str | None, _colleague: str | None) -> None:
        if queue is not None:
            self._handovers.cold_transfer(self.chat_id, queue)

    def _updated(self, discussion_id: str) -> None:
        model = self._handovers.discussions.get(discussion_id)
        if model is None or not model.is_sender or model.info.chat_id != self.chat_id:
            return
        if self.panel is None:
            self.panel = DiscussionPanel(model, self._handovers, self)
            self.panel.setMaximumHeight(PANEL_MAX_PX)
            self._panel_box.addWidget(self.panel)
        elif self.panel.model is not model and (model.open or not self.panel.model.open):
            self.panel.set_model(model)
        if model.can_transfer:
            self.warning.hide()
            self._held = None
        self.refresh()

    def refresh(self) -> None:
        current = self._handovers.for_chat(self.chat_id)
        self.discuss_button.setEnabled(self.running and (current is None or not current.open))
        self.cold_button.setEnabled(self.running)

    def set_running(self, running: bool) -> None:
        self.running = running
        self.refresh()

    def transfer(self) -> None:
        if self.panel is not None:
            self.panel.transfer()

    # --- the warning -------------------------------------------------------------------------

    def check_outgoing(self, text: str) -> bool:
        """The chat window's input guard: False holds the message (once) and shows the warning."""
        if self._handovers.accepted(self.chat_id) or not announces_transfer(text, self._texts):
            return True
        if self._held == text:
            self._held = None
            self.warning.setText(SENT_ANYWAY + " " + WARNING)
            self.warning.show()
            return True
        self._held = text
        self.warning.setText(WARNING + HELD)
        self.warning.show()
        return False
