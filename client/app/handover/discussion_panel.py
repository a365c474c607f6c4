"""The discussion panel of a warm handover (seed 001, steps 3 and 4), for both agents.

The sender's panel sits in the chat window: the state ("Waiting for Carl to accept."), the talk with
the receiver, **Transfer** (enabled only once the receiver accepted) and **Withdraw**. The receiver's
panel is a window of its own that pops up with a notification: who asks, the requestor and context,
the chat's history so far, the talk, **Accept** and **Decline**.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Protocol

from onduty.client.app.chat.history import transcript_html
from onduty.client.app.connections import Connections
from onduty.client.app.handover.discussion import STATE_LABELS, DiscussionModel
from onduty.client.app.prompts import Confirm
from onduty.client.app.qt.core import QMetaObject, Qt
from onduty.client.app.qt.gui import QCloseEvent, QKeySequence, QShortcut
from onduty.client.app.qt.widgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from onduty.client.desk.context_card import details_html
from onduty.client.desk.templates import REQUEST_TYPE_LABELS, requestor_line
from onduty.shared.types import DiscussionState

STATE_STYLES: dict[DiscussionState, str] = {
    DiscussionState.OFFERED: "background:#fff8e1; color:#6d4c00; border:1px solid #f0c36d",
    DiscussionState.ACCEPTED: "background:#e8f5e9; color:#1b5e20; border:1px solid #a5d6a7",
    DiscussionState.TRANSFERRED: "background:#e8f0fe; color:#1a3e72; border:1px solid #aecbfa",
}
CLOSED_STYLE = "background:#f1f3f4; color:#3c4043; border:1px solid #dadce0"


class DiscussionActions(Protocol):
    def say(self, discussion_id: str, text: str) -> None: ...
    def answer(self, discussion_id: str, accept: bool) -> None: ...
    def cancel(self, discussion_id: str) -> None: ...
    def transfer(self, discussion_id: str) -> None: ...
    def load_transcript(self, discussion_id: str) -> None: ...
    def queue_title(self, queue: str) -> str: ...


def talk_html(model: DiscussionModel) -> str:
    if not model.talk:
        return "<p style='color:#5f6368'><i>Talk about the chat here; the requestor never sees it.</i></p>"
    rows = []
    for m in model.talk:
        colour = "#1a56b0" if m.sender == model.me else "#202124"
        when = datetime.fromtimestamp(m.at).strftime("%H:%M")
        rows.append(f"<p><span style='color:#5f6368'>{when}</span> <b style='color:{colour}'>"
                    f"{html.escape(m.sender_name)}</b>: {html.escape(m.text)}</p>")
    return "".join(rows)


class DiscussionPanel(QWidget):
    """See the module docstring; ``set_model`` switches to another discussion (the sender's next try)."""

    def __init__(self, model: DiscussionModel, actions: DiscussionActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self.model = model
        self._wires = Connections()
        self._model_wire: QMetaObject.Connection | None = None
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setObjectName("discussionState")
        self.history = QTextBrowser()
        self.history.setObjectName("chatHistory")
        self.talk = QTextBrowser()
        self.talk.setObjectName("discussionTalk")
        self.input = QLineEdit()
        self.input.setPlaceholderText("Message to the other agent (Enter sends)")
        self.input.returnPressed.connect(self.say)
        self.accept_button = QPushButton("Accept")
        self.accept_button.setToolTip("Confirm the area: the sender can then transfer the chat to you")
        self.decline_button = QPushButton("Decline")
        self.transfer_button = QPushButton("Transfer")
        self.withdraw_button = QPushButton("Withdraw")
        self.accept_button.clicked.connect(lambda: self._actions.answer(self.model.discussion_id, True))
        self.decline_button.clicked.connect(lambda: self._actions.answer(self.model.discussion_id, False))
        self.transfer_button.clicked.connect(self.transfer)
        self.withdraw_button.clicked.connect(lambda: self._actions.cancel(self.model.discussion_id))

        buttons = QHBoxLayout()
        for button in (self.accept_button, self.decline_button, self.transfer_button, self.withdraw_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        talk = QWidget()
        talk_layout = QVBoxLayout(talk)
        talk_layout.setContentsMargins(0, 0, 0, 0)
        talk_layout.addWidget(QLabel("Discussion"))
        talk_layout.addWidget(self.talk, 1)
        talk_layout.addWidget(self.input)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.history)
        split.addWidget(talk)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.state)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        self.set_model(model)

    def set_model(self, model: DiscussionModel) -> None:
        if self.model is not model and self._model_wire is not None:
            self._wires.disconnect(self._model_wire)
        self.model = model
        self._model_wire = self._wires.connect(model.changed, self.refresh)
        sender = model.is_sender
        self.history.setVisible(not sender)
        for button in (self.accept_button, self.decline_button):
            button.setVisible(not sender)
        for button in (self.transfer_button, self.withdraw_button):
            button.setVisible(sender)
        self.refresh()

    def refresh(self) -> None:
        m = self.model
        info = m.info
        if m.is_sender:
            where = f" ({html.escape(self._actions.queue_title(info.queue))})" if info.queue else ""
            self.title.setText(f"<b>Discussion with {html.escape(m.partner_name)}</b>{where}")
            self.transfer_button.setText(f"Transfer to {m.partner_name}" if info.receiver_name else "Transfer")
        else:
            self.title.setText(self._offer_html())
            if m.transcript is not None:
                self.history.setHtml(transcript_html(m.transcript, self._actions.queue_title))
            else:
                self.history.setHtml("<p style='color:#5f6368'>Loading the chat's history…</p>")
        label = STATE_LABELS.get(info.state, info.state.value)
        self.state.setText(f"{label}: {m.text}" if m.text else label)
        self.state.setStyleSheet(STATE_STYLES.get(info.state, CLOSED_STYLE) + "; border-radius:4px; padding:6px;")
        self.talk.setHtml(talk_html(m))
        self.talk.verticalScrollBar().setValue(self.talk.verticalScrollBar().maximum())
        self.input.setEnabled(m.open)
        self.accept_button.setEnabled(m.can_answer)
        self.decline_button.setEnabled(m.can_answer)
        self.transfer_button.setEnabled(m.can_transfer)
        self.withdraw_button.setEnabled(m.open)

    def _offer_html(self) -> str:
        m = self.model
        rows = [f"<span style='font-size:13pt; font-weight:600'>{html.escape(m.info.sender_name)} asks you to take "
                "a chat</span>"]
        chat = m.chat
        if chat is not None:
            queue = self._actions.queue_title(chat.queue)
            rows.append(f"Requestor <b>{html.escape(requestor_line(chat))}</b> · {html.escape(queue)} · "
                        f"{html.escape(REQUEST_TYPE_LABELS.get(chat.request_type, chat.request_type.value))}")
        return "<br>".join(rows) + (details_html(chat.context) if chat is not None and chat.context else "")

    def say(self) -> None:
        text = self.input.text().strip()
        if text and self.model.open:
            self._actions.say(self.model.discussion_id, text)
            self.input.clear()

    def transfer(self) -> None:
        if self.model.can_transfer:
            self._actions.transfer(self.model.discussion_id)


class DiscussionWindow(QWidget):
    """The receiver's panel as a window: closes by itself once the chat was transferred (its window opens)."""

    def __init__(self, model: DiscussionModel, actions: DiscussionActions, confirm: Confirm,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._actions = actions
        self._confirm = confirm
        self.panel = DiscussionPanel(model, actions, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        self.resize(560, 620)
        self.setWindowTitle(f"Discussion · {model.info.sender_name}")
        model.changed.connect(self._changed)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)
        QShortcut(QKeySequence("Ctrl+Return"), self, self._accept_key)
        self.panel.input.setFocus()

    @property
    def model(self) -> DiscussionModel:
        return self.panel.model

    def present(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def _accept_key(self) -> None:
        if self.model.can_answer:
            self._actions.answer(self.model.discussion_id, True)

    def _changed(self) -> None:
        if self.model.state is DiscussionState.TRANSFERRED:
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.model.can_answer:
            if not self._confirm(self, "Decline the request?", f"{self.model.info.sender_name} is waiting for "
                                 "your answer. Closing this window declines the request."):
                event.ignore()
                return
            self._actions.answer(self.model.discussion_id, False)
        event.accept()
