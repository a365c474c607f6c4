"""Past chats of the agent's queues: search (``list_chats`` with ``query``), pick one, read its transcript."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from onduty.client.app.qt.core import Qt, QTimer
from onduty.client.app.qt.widgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from onduty.client.desk.templates import REQUEST_TYPE_LABELS, context_line, requestor_line
from onduty.shared.messages import Transcript
from onduty.shared.types import ChatInfo, Role

SEARCH_DELAY_MS = 300


class HistorySource(Protocol):
    def search_chats(self, query: str, on_done: Callable[[list[ChatInfo]], None]) -> None: ...
    def transcript(self, chat_id: str, on_done: Callable[[Transcript], None]) -> None: ...


def chat_label(chat: ChatInfo) -> str:
    when = datetime.fromtimestamp(chat.created_at).strftime("%Y-%m-%d %H:%M")
    agent = f" · {chat.agent_name or chat.agent}" if chat.agent else ""
    return f"{when}  {chat.requestor.name} · {chat.queue}{agent} · {chat.state.value}"


def transcript_html(t: Transcript) -> str:
    chat = t.chat
    out = [f"<h3>{html.escape(requestor_line(chat))}</h3>",
           f"<p>Queue <b>{html.escape(chat.queue)}</b> · "
           f"{html.escape(REQUEST_TYPE_LABELS.get(chat.request_type, chat.request_type.value))}"]
    out += [f"<br>{html.escape(context_line(c))}" for c in chat.context]
    out.append("</p>")
    for m in t.messages:
        colour = "#1a56b0" if m.sender is Role.AGENT else "#202124"
        when = datetime.fromtimestamp(m.at).strftime("%H:%M")
        text = html.escape(m.text).replace("\n", "<br>")
        if m.file is not None:
            text = f"[attachment: {html.escape(m.file.name)}] {text}"
        out.append(f"<p><span style='color:#5f6368'>{when}</span> <b style='color:{colour}'>"
                   f"{html.escape(m.sender_name)}</b>: {text}</p>")
    for memo in t.memos:
        when = datetime.fromtimestamp(memo.at).strftime("%Y-%m-%d %H:%M")
        out.append(f"<hr><p><i>Internal memo by {html.escape(memo.author)}, {when}</i></p>"
                   f"<pre>{html.escape(memo.text)}</pre>")
    return "".join(out)


class HistoryDialog(QDialog):
    def __init__(self, source: HistorySource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self.setWindowTitle("Past chats")
        self.resize(820, 560)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by requestor, text, queue…")
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.count = QLabel()
        self.view = QTextBrowser()
        self.view.setOpenExternalLinks(False)
        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.results, 1)
        left_layout.addWidget(self.count)
        split.addWidget(left)
        split.addWidget(self.view)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self.search.returnPressed.connect(self.run_search)
        self.results.currentItemChanged.connect(self._selected)

    def run_search(self) -> None:
        self._timer.stop()
        self.count.setText("Searching…")
        self._source.search_chats(self.search.text(), self.show_chats)

    def show_chats(self, chats: list[ChatInfo]) -> None:
        self.results.clear()
        for chat in chats:
            item = QListWidgetItem(chat_label(chat))
            item.setData(Qt.ItemDataRole.UserRole, chat.chat_id)
            self.results.addItem(item)
        self.count.setText(f"{len(chats)} chat{'s' if len(chats) != 1 else ''}")

    def show_transcript(self, transcript: Transcript) -> None:
        self.view.setHtml(transcript_html(transcript))

    def _selected(self, item: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if item is not None:
            self._source.transcript(str(item.data(Qt.ItemDataRole.UserRole)), self.show_transcript)
