"""One chat's window: who asks and about what, the messages, the input, greeting, memo, end and close.

The window only shows its :class:`ChatModel` and forwards what the agent does to
:class:`ChatActions` (the session). Closing a running chat asks first and ends it; after the
requestor left, the window keeps its content until the agent closes it, which frees capacity.
"""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from onduty.client.app.chat.compose import MessageEdit
from onduty.client.app.chat.context_card import ContextCard
from onduty.client.app.chat.memo import MemoDialog
from onduty.client.app.chat.message_view import MessageList
from onduty.client.app.chat.models import ChatLine, ChatModel
from onduty.client.app.prompts import Confirm
from onduty.client.app.qt.core import Qt
from onduty.client.app.qt.gui import QCloseEvent, QKeySequence, QShortcut
from onduty.client.app.qt.widgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)
from onduty.client.desk.canned import CannedIndex
from onduty.client.desk.outgoing import file_refusal, text_limit
from onduty.client.desk.templates import REQUEST_TYPE_LABELS, requestor_line
from onduty.client.net.files import Downloaded
from onduty.shared.types import ContentLimits

if TYPE_CHECKING:
    from onduty.client.app.handover.handover_bar import HandoverBar
    from onduty.client.app.voice.call_bar import CallBar

class ChatActions(Protocol):
    """What a chat window asks of the session."""

    def send_text(self, chat_id: str, text: str) -> None: ...
    def greeting_text(self) -> str: ...
    def typing(self, chat_id: str, active: bool) -> None: ...
    def end_chat(self, chat_id: str) -> None: ...
    def close_chat(self, chat_id: str) -> None: ...
    def memo_text(self, chat_id: str) -> str: ...
    def save_memo(self, chat_id: str, text: str) -> None: ...
    def upload(self, chat_id: str, data: bytes, name: str, content_type: str) -> None: ...
    def download(self, file_id: str, on_done: Callable[[Downloaded], None]) -> None: ...
    def limits(self) -> ContentLimits | None: ...
    def queue_title(self, queue: str) -> str: ...


def _save(path: Path, got: Downloaded) -> None:
    path.write_bytes(got.data)


def waited(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"


class ChatWindow(QWidget):
    def __init__(self, model: ChatModel, actions: ChatActions, canned: CannedIndex, confirm: Confirm,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.model = model
        self.chat_id = model.info.chat_id
        self._actions = actions
        self._confirm = confirm
        self._released = False
        self.memo_dialog: MemoDialog | None = None
        self.handover: HandoverBar | None = None
        self.call_bar: CallBar | None = None
        self.resize(520, 640)
        self.setMinimumSize(380, 420)

        self.header = QLabel()
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setObjectName("chatHeader")
        self.about = QLabel()
        """The queue, the request type and how long the requestor waited."""
        self.about.setTextFormat(Qt.TextFormat.RichText)
        self.about.setWordWrap(True)
        self.context_card = ContextCard()
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setObjectName("banner")
        self.messages = MessageList()
        self.messages.show_model(model)
        self.messages.file_requested.connect(self._download)
        self.typing_label = QLabel()
        self.typing_label.setObjectName("typing")
        self.input = MessageEdit()
        self.input.set_canned(canned)
        self.input.limit = text_limit(actions.limits())
        self.input.submitted.connect(lambda text: self._actions.send_text(self.chat_id, text))
        self.input.typing_changed.connect(lambda active: self._actions.typing(self.chat_id, active))

        self.greet_button = QPushButton("Greet")
        self.greet_button.setToolTip(actions.greeting_text())
        self.greet_button.clicked.connect(self.greet)
        self.attach_button = QPushButton("Attach…")
        self.attach_button.clicked.connect(self._attach)
        self.memo_button = QPushButton("Memo…")
        self.memo_button.setToolTip("Internal memo for the incident (Requestor, Request Type, Action Taken)")
        self.memo_button.clicked.connect(self.open_memo)
        self.case_button = QPushButton("Case…")
        self.case_button.setToolTip("This chat's case: create one or work on it (External Info, interactions, SLA)")
        self.cobrowse_button = QPushButton("Co-browse…")  # connected by client/app/cobrowse
        self.end_button = QPushButton("End chat")
        self.end_button.clicked.connect(lambda: self._actions.end_chat(self.chat_id))
        self.send_button = QPushButton("Send")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.input.submit)

        tools = QHBoxLayout()
        for button in (self.greet_button, self.attach_button, self.memo_button, self.case_button,
                       self.cobrowse_button, self.end_button):
            tools.addWidget(button)
        tools.addStretch(1)
        tools.addWidget(self.send_button)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.typing_label)
        bottom_layout.addWidget(self.input)
        bottom_layout.addWidget(self.input.counter)
        bottom_layout.addLayout(tools)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.messages)
        split.addWidget(bottom)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setCollapsible(0, False)
        split.setCollapsible(1, False)
        self._top = QHBoxLayout()
        self._top.addWidget(self.about, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(self._top)
        layout.addWidget(self.context_card)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        self._layout = layout
        self.setStyleSheet(
            "#typing { color: #5f6368; font-style: italic; }"
        )
        QShortcut(QKeySequence("Ctrl+G"), self, self.greet)
        QShortcut(QKeySequence("Ctrl+M"), self, self.open_memo)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)
        QShortcut(QKeySequence("Ctrl+T"), self, self._transfer_key)
        model.changed.connect(self.refresh)
        self.refresh()
        self.input.setFocus()

    def set_handover(self, bar: HandoverBar) -> None:
        """Discuss… and Cold transfer… go beside the queue line; the discussion panel and the warning above
        the messages."""
        self.handover = bar
        for button in (bar.discuss_button, bar.cold_button):
            self._top.addWidget(button)
        self._layout.insertWidget(self._layout.indexOf(self.banner) + 1, bar)
        self.input.guard = bar.check_outgoing
        bar.set_running(self.model.running)

    def set_call_bar(self, bar: CallBar) -> None:
        """The voice call controls go above the messages, below the banner."""
        self.call_bar = bar
        self._layout.insertWidget(self._layout.indexOf(self.banner) + 1, bar)
        bar.set_running(self.model.running)

    def _transfer_key(self) -> None:
        if self.handover is not None:
            self.handover.transfer()

    # --- view --------------------------------------------------------------------------------

    def refresh(self) -> None:
        info = self.model.info
        name = info.requestor.name
        queue = self._actions.queue_title(info.queue)
        self.setWindowTitle(f"Chat with {name} · {queue}" + ("" if self.model.running else " (ended)"))
        self.header.setText(f"<span style='font-size:14pt; font-weight:600'>{html.escape(requestor_line(info))}</span>")
        self.about.setText(
            f"<b>{html.escape(queue)}</b> · "
            f"{html.escape(REQUEST_TYPE_LABELS.get(info.request_type, info.request_type.value))} · "
            f"waited {waited(self.model.waited_s)}"
        )
        self.context_card.show_context(info.context)
        self._show_banner()
        typing = self.model.peer_typing
        self.typing_label.setText(f"{typing} is typing…" if typing else "")
        running = self.model.running
        for widget in (self.input, self.greet_button, self.attach_button, self.end_button, self.send_button):
            widget.setEnabled(running)
        if self.handover is not None:
            self.handover.set_running(running)
        if self.call_bar is not None:
            self.call_bar.set_running(running)
        if self.model.memos:
            self.memo_button.setText(f"Memo… ({len(self.model.memos)} saved)")

    def _show_banner(self) -> None:
        if not self.model.online:
            text, style = ("Connection lost. Reconnecting… Messages you send now go out when it is back.",
                           "background:#fff4e5; color:#8a4b00; border:1px solid #f0c36d")
        elif not self.model.running:
            text, style = (self.model.end_text() + " Close this window when you are done to take the next chat.",
                           "background:#eef3f8; color:#1f3b57; border:1px solid #c5d3e0")
        elif self.model.transferred_from:
            text, style = (f"Handed over by {self.model.transferred_from}. The whole chat so far is below.",
                           "background:#e8f0fe; color:#1a3e72; border:1px solid #aecbfa")
        else:
            self.banner.hide()
            return
        self.banner.setText(text)
        self.banner.setStyleSheet(style + "; border-radius:4px; padding:6px;")
        self.banner.show()

    def present(self) -> None:
        """Pop up: shown, raised and focused."""
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()
        self.input.setFocus()

    # --- actions -------------------------------------------------------------------------------

    def greet(self) -> None:
        if self.model.running:
            self._actions.send_text(self.chat_id, self._actions.greeting_text())

    def open_memo(self) -> MemoDialog:
        dialog = MemoDialog(self._actions.memo_text(self.chat_id), self)
        dialog.saved.connect(lambda text: self._actions.save_memo(self.chat_id, text))
        dialog.setModal(False)
        dialog.show()
        self.memo_dialog = dialog
        return dialog

    def _attach(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Attach a file")
        if path:
            self.attach(Path(path))

    def attach(self, path: Path) -> None:
        """Upload a file, unless the server's limits refuse it: then the banner says why and nothing is read."""
        refusal = file_refusal(path.name, path.stat().st_size, self._actions.limits())
        if refusal is not None:
            self.banner.setText(refusal)
            self.banner.setStyleSheet("background:#fdecea; color:#b3261e; border:1px solid #f5c2bd; "
                                      "border-radius:4px; padding:6px;")
            self.banner.show()
            return
        data = path.read_bytes()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        self._actions.upload(self.chat_id, data, path.name, content_type)

    def _download(self, line: ChatLine) -> None:
        if line.file is None:
            return
        target, _ = QFileDialog.getSaveFileName(self, "Save attachment", line.file.name)
        if target:
            self._actions.download(line.file.file_id, lambda got: _save(Path(target), got))

    # --- closing -------------------------------------------------------------------------------

    def release(self) -> None:
        """The server closed the chat: the window goes away without asking."""
        self._released = True
        self.input.stop_typing()
        self.close()
        self.deleteLater()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._released:
            event.accept()
            return
        if self.model.running and not self._confirm(
            self, "End this chat?", f"{self.model.info.requestor.name} is still in the chat. "
            "Closing the window ends the chat for them too."
        ):
            event.ignore()
            return
        self.input.stop_typing()
        self._actions.close_chat(self.chat_id)
        event.accept()
