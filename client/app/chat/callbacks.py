"""Callback / e-mail requests requestors left in the agent's queues (``list_callbacks``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from onduty.client.app.qt.widgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from onduty.client.desk.context_card import context_line
from onduty.client.desk.templates import REQUEST_TYPE_LABELS
from onduty.shared.types import CallbackInfo

COLUMNS = ("Left at", "Queue", "Name", "Phone", "E-mail", "Request", "Message")


class CallbackSource(Protocol):
    def callbacks(self, on_done: Callable[[list[CallbackInfo]], None]) -> None: ...
    def queue_title(self, queue: str) -> str: ...


def row_of(cb: CallbackInfo, queue_title: Callable[[str], str]) -> tuple[str, ...]:
    request = REQUEST_TYPE_LABELS.get(cb.request_type, cb.request_type.value)
    if cb.context:
        request += " · " + context_line(cb.context[0])
    left_at = datetime.fromtimestamp(cb.created_at).strftime("%Y-%m-%d %H:%M")
    return (left_at, queue_title(cb.queue), cb.name, cb.phone or "", cb.email or "", request, " ".join(cb.text.split()))


class CallbacksDialog(QDialog):
    def __init__(self, source: CallbackSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self.setWindowTitle("Callback requests")
        self.resize(900, 420)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.count = QLabel()
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addWidget(refresh)

    def refresh(self) -> None:
        self.count.setText("Loading…")
        self._source.callbacks(self.show_callbacks)

    def show_callbacks(self, items: list[CallbackInfo]) -> None:
        self.table.setRowCount(len(items))
        for r, cb in enumerate(items):
            for c, text in enumerate(row_of(cb, self._source.queue_title)):
                item = QTableWidgetItem(text)
                item.setToolTip(cb.text if c == len(COLUMNS) - 1 else text)
                self.table.setItem(r, c, item)
        self.count.setText(f"{len(items)} open request{'s' if len(items) != 1 else ''}")
