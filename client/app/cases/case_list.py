"""The case list: my cases or my queues' cases, filtered by state and due time, soonest due first.

Each row shows the case's clocks as they stand now (counting down locally between reads) and is
coloured by its worst clock: amber for an SLA warning, red for a breach. Double-click (or Enter, or
**Open**) asks for the case panel.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from onduty.client.app.qt.core import Qt, QTimer, Signal
from onduty.client.app.qt.gui import QBrush, QCloseEvent, QColor
from onduty.client.app.qt.widgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from onduty.client.desk.backend import CaseBackend
from onduty.client.desk.case_pages import PRIORITY_LABELS, STATE_LABELS
from onduty.client.desk.sla_watch import CLOCK_NAMES, Clock, Level, case_level, clock_view, duration_text
from onduty.client.net.cases import CaseList, CaseState, CaseSummary, Scope

COLUMNS = ("Case", "Title", "Requestor", "Queue", "Priority", "State", "Owner", "Next due", "SLA")
REFRESH_S = 60.0
ROW_COLOURS = {Level.WARNING: "#fff4e0", Level.BREACHED: "#fdecea"}

SCOPES = {Scope.QUEUES: "My queues' cases", Scope.MINE: "My cases"}
STATE_FILTERS: dict[str, tuple[CaseState, ...] | None] = {
    "Open": None, "New": (CaseState.NEW,), "In Process": (CaseState.IN_PROCESS,),
    "Awaiting Info": (CaseState.AWAITING_INFO,), "Solved": (CaseState.SOLVED,), "Closed": (CaseState.CLOSED,),
    "All states": (),
}
"""``None``: the server's default (the open states); ``()``: every state."""
DUE_FILTERS: dict[str, float | None] = {
    "Any due time": None, "Overdue": 0.0, "Due within 1 h": 3600.0, "Due within 4 h": 4 * 3600.0,
    "Due within 24 h": 86400.0, "Due within 7 days": 7 * 86400.0,
}
"""Seconds from now; overdue = a running clock whose target has passed."""


@dataclass(frozen=True, slots=True)
class Filters:
    scope: Scope = Scope.QUEUES
    states: tuple[CaseState, ...] | None = None
    due_within_s: float | None = None


def sla_text(case: CaseSummary, now: float) -> str:
    """The clocks that need attention, e.g. ``IRT breached 5 min ago`` or ``ORT due in 9 min``."""
    parts = []
    for clock in case.clocks:
        view = clock_view(clock, now)
        if view.level in (Level.WARNING, Level.BREACHED):
            parts.append(f"{CLOCK_NAMES[clock.kind]} {view.text}")
    return " · ".join(parts)


def row_of(case: CaseSummary, now: float, me: str, queue_title: Callable[[str], str]) -> tuple[str, ...]:
    if case.next_due_at is None:
        due = "—"
    elif case.next_due_at <= now:
        due = f"overdue {duration_text(now - case.next_due_at)}"
    else:
        due = f"in {duration_text(case.next_due_at - now)}"
    owner = "" if case.owner is None else case.owner + (" (you)" if case.owner == me else "")
    return (str(case.number), case.title, case.requestor.name, queue_title(case.queue), PRIORITY_LABELS[case.priority],
            STATE_LABELS[case.state], owner, due, sla_text(case, now))


class CaseListWindow(QWidget):
    open_requested = Signal(int)
    """The agent wants to see this case in the panel."""
    updated = Signal()
    """The list was re-read (or the read failed): tests wait on it."""

    def __init__(self, backend: CaseBackend, *, clock: Clock = time.time, refresh_s: float = REFRESH_S,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._backend = backend
        self._clock = clock
        self.cases: list[CaseSummary] = []
        self.error = ""
        self.setWindowTitle("Cases")
        self.resize(980, 480)
        self.scope_box = QComboBox()
        for scope, label in SCOPES.items():
            self.scope_box.addItem(label, scope)
        self.state_box = QComboBox()
        self.state_box.addItems(list(STATE_FILTERS))
        self.due_box = QComboBox()
        self.due_box.addItems(list(DUE_FILTERS))
        for box in (self.scope_box, self.state_box, self.due_box):
            box.activated.connect(lambda _i: self.refresh())
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.open_button = QPushButton("Open")
        self.open_button.clicked.connect(self._open_current)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        self.table.cellActivated.connect(lambda row, _col: self.open_row(row))
        self.status = QLabel()
        top = QHBoxLayout()
        for widget in (self.scope_box, self.state_box, self.due_box):
            top.addWidget(widget)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(1000)
        self.tick_timer.timeout.connect(self.tick)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(int(refresh_s * 1000))
        self.refresh_timer.timeout.connect(self.refresh)

    def filters(self) -> Filters:
        return Filters(Scope(self.scope_box.currentData()), STATE_FILTERS[self.state_box.currentText()],
                       DUE_FILTERS[self.due_box.currentText()])

    def set_filters(self, filters: Filters) -> None:
        self.scope_box.setCurrentIndex(self.scope_box.findData(filters.scope))
        self.state_box.setCurrentText(next(k for k, v in STATE_FILTERS.items() if v == filters.states))
        self.due_box.setCurrentText(next(k for k, v in DUE_FILTERS.items() if v == filters.due_within_s))

    def refresh(self) -> None:
        f = self.filters()
        due_before = None if f.due_within_s is None else self._clock() + f.due_within_s
        self.status.setText("Loading…")
        self._backend.run(self._backend.cases.list_cases(scope=f.scope, states=f.states, due_before=due_before,
                                                         sort_by_due=True, limit=500),
                          self.show_cases, self.show_error)
        if not self.tick_timer.isActive():
            self.tick_timer.start()
            self.refresh_timer.start()

    def show_cases(self, found: CaseList) -> None:
        self.error = ""
        self.cases = list(found.cases)
        self.table.setRowCount(len(self.cases))
        self.tick()
        self.updated.emit()

    def show_error(self, text: str) -> None:
        self.error = text
        self.status.setText(text)
        self.status.setStyleSheet("color: #b3261e;")
        self.updated.emit()

    def tick(self) -> None:
        now, me = self._clock(), self._backend.me
        warned = breached = 0
        for r, case in enumerate(self.cases):
            level = case_level(case, now)
            warned += level is Level.WARNING
            breached += level is Level.BREACHED
            colour = ROW_COLOURS.get(level)
            for c, text in enumerate(row_of(case, now, me, self._backend.queue_title)):
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    self.table.setItem(r, c, item)
                item.setText(text)
                item.setToolTip(text)
                item.setData(Qt.ItemDataRole.UserRole, case.number)
                item.setBackground(QBrush(QColor(colour)) if colour else QBrush())
        if self.error:
            return
        n = len(self.cases)
        self.status.setStyleSheet("color: #b3261e;" if breached else "")
        self.status.setText(f"{n} case{'s' if n != 1 else ''}"
                            + (f" · {breached} breached" if breached else "") + (f" · {warned} near a breach"
                                                                                if warned else ""))

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.cases):
            self.open_requested.emit(self.cases[row].number)

    def _open_current(self) -> None:
        self.open_row(self.table.currentRow())

    def closeEvent(self, event: QCloseEvent) -> None:
        self.tick_timer.stop()
        self.refresh_timer.stop()
        event.accept()
