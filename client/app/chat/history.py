"""Past chats of the agent's queues: search (``list_chats`` with ``query``), pick one, read its transcript."""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from onduty.client.app.qt.core import Qt, QTimer
from onduty.client.app.qt.widgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from onduty.client.desk.context_card import details_html
from onduty.client.desk.rating import rating_html
from onduty.client.desk.templates import REQUEST_TYPE_LABELS, requestor_line
from onduty.shared.messages import Transcript
from onduty.shared.types import ChatInfo, ChatState, Role

SEARCH_DELAY_MS = 300

COLUMNS = ("Started", "Requestor", "Queue", "Agent", "State")
STATE_LABELS = {
    ChatState.WAITING: "Waiting in line",
    ChatState.ASSIGNED: "Assigned",
    ChatState.ACTIVE: "Running",
    ChatState.ENDED: "Ended",
    ChatState.CLOSED: "Closed",
}

QueueTitle = Callable[[str], str]


class HistorySource(Protocol):
    def search_chats(self, query: str, on_done: Callable[[list[ChatInfo]], None]) -> None: ...
    def transcript(self, chat_id: str, on_done: Callable[[Transcript], None]) -> None: ...
    def queue_title(self, queue: str) -> str: ...


def row_of(chat: ChatInfo, queue_title: QueueTitle) -> tuple[str, ...]:
    """The columns of one past chat; a chat still waiting in line has no agent yet and says so."""
    when = datetime.fromtimestamp(chat.created_at).strftime("%Y-%m-%d %H:%M")
    agent = chat.agent_name or chat.agent or ""
    return (when, chat.requestor.name, queue_title(chat.queue), agent, STATE_LABELS[chat.state])


def transcript_html(t: Transcript, queue_title: QueueTitle) -> str:
    chat = t.chat
    out = [f"<h3>{html.escape(requestor_line(chat))}</h3>",
           f"<p><b>{html.escape(queue_title(chat.queue))}</b> · "
           f"{html.escape(REQUEST_TYPE_LABELS.get(chat.request_type, chat.request_type.value))} · "
           f"{html.escape(STATE_LABELS[chat.state])}</p>"]
    if chat.context:
        out.append(details_html(chat.context))
    if chat.state in (ChatState.ENDED, ChatState.CLOSED):
        out.append(rating_html(t.rating))
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
        self.resize(1000, 600)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search by requestor, text, queue…")
        self.search.setClearButtonEnabled(True)
        self.results = QTableWidget(0, len(COLUMNS))
        self.results.setHorizontalHeaderLabels(COLUMNS)
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.results.verticalHeader().hide()
        self.results.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.results.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.results.setWordWrap(False)
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
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([580, 400])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _: self._timer.start())
        self.search.returnPressed.connect(self.run_search)
        self.results.currentCellChanged.connect(self._selected)

    def run_search(self) -> None:
        self._timer.stop()
        self.count.setText("Searching…")
        self._source.search_chats(self.search.text(), self.show_chats)

    def show_chats(self, chats: list[ChatInfo]) -> None:
        self.results.setRowCount(len(chats))
        for r, chat in enumerate(chats):
            for c, text in enumerate(row_of(chat, self._source.queue_title)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, chat.chat_id)
                item.setToolTip(text)
                self.results.setItem(r, c, item)
        self.count.setText(f"{len(chats)} chat{'s' if len(chats) != 1 else ''}")

    def show_transcript(self, transcript: Transcript) -> None:
        self.view.setHtml(transcript_html(transcript, self._source.queue_title))

    def _selected(self, row: int, _column: int, previous_row: int, _previous_column: int) -> None:
        item = self.results.item(row, 0)
        if item is not None and row != previous_row:
            self._source.transcript(str(item.data(Qt.ItemDataRole.UserRole)), self.show_transcript)
