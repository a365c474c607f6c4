"""Callback / e-mail requests requestors left in the agent's queues: claim one, call or mail it, mark it done.

The list is the server's (``list_callbacks``) and follows ``callback_update`` live (the app connects the
session's ``callback_changed`` to :meth:`CallbacksDialog.update_item`): who claimed what shows in every open list.
Calling (``tel:``) or mailing (``mailto:``) a request claims it first, so two agents do not call the same person.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from onduty.client.app.colleagues.contacts_window import OpenUrl, mailto_url, tel_url
from onduty.client.app.qt.gui import QDesktopServices
from onduty.client.app.qt.widgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from onduty.client.desk.context_card import context_line
from onduty.client.desk.templates import REQUEST_TYPE_LABELS
from onduty.shared.types import CALLBACK_NOTE_MAX, CallbackInfo, CallbackOutcome

LIST_LIMIT = 200
"""Callback requests the list asks for (the server's most)."""

COLUMNS = ("Left at", "Queue", "Name", "Phone", "E-mail", "Request", "State", "Message")
STATE_COLUMN = COLUMNS.index("State")
OUTCOME_LABELS = {
    CallbackOutcome.REACHED: "Reached",
    CallbackOutcome.NO_ANSWER: "No answer",
    CallbackOutcome.WRONG_NUMBER: "Wrong number",
    CallbackOutcome.MAILED: "Answered by e-mail",
}

Outcome = tuple[CallbackOutcome, str | None]
AskOutcome = Callable[[CallbackInfo, QWidget], "Outcome | None"]


class CallbackSource(Protocol):
    @property
    def username(self) -> str: ...
    def callbacks(self, on_done: Callable[[list[CallbackInfo]], None], done: bool = False) -> None:
        """At most LIST_LIMIT, newest first."""
    def claim_callback(self, callback_id: int, on_done: Callable[[CallbackInfo], None] | None = None) -> None: ...
    def finish_callback(self, callback_id: int, outcome: CallbackOutcome, note: str | None,
                        on_done: Callable[[CallbackInfo], None] | None = None) -> None: ...
    def queue_title(self, queue: str) -> str: ...
    def open_callbacks(self) -> int:
        """Open requests of my queues as the server counts them (``queue_status.callbacks``)."""
        ...


def state_of(cb: CallbackInfo, me: str) -> str:
    """Open / Claimed by you / Claimed by bob / Done: Reached (bob). The server clears lapsed claims itself."""
    if cb.done_at is not None:
        who = "you" if cb.done_by == me else cb.done_by
        return f"Done: {OUTCOME_LABELS.get(cb.outcome, '?') if cb.outcome else '?'} ({who})"
    if cb.claimed_by is not None:
        return "Claimed by you" if cb.claimed_by == me else f"Claimed by {cb.claimed_by}"
    return "Open"


def row_of(cb: CallbackInfo, queue_title: Callable[[str], str], me: str = "") -> tuple[str, ...]:
    request = REQUEST_TYPE_LABELS.get(cb.request_type, cb.request_type.value)
    if cb.context:
        request += " · " + context_line(cb.context[0])
    left_at = datetime.fromtimestamp(cb.created_at).strftime("%Y-%m-%d %H:%M")
    return (left_at, queue_title(cb.queue), cb.name, cb.phone or "", cb.email or "", request, state_of(cb, me),
            " ".join(cb.text.split()))


def workable(cb: CallbackInfo, me: str) -> bool:
    """Not done, and open or claimed by me: I may call, mail or finish it."""
    return cb.done_at is None and cb.claimed_by in (None, me)


class OutcomeDialog(QDialog):
    """How did it go: one of the outcomes (radio buttons with their labels) and an optional note."""

    def __init__(self, cb: CallbackInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Done: callback request of {cb.name}")
        box = QGroupBox("Outcome")
        box_layout = QVBoxLayout(box)
        self.choices = QButtonGroup(self)
        self.buttons: dict[CallbackOutcome, QRadioButton] = {}
        for outcome, label in OUTCOME_LABELS.items():
            button = QRadioButton(label)
            button.setAccessibleName(label)
            self.choices.addButton(button)
            self.buttons[outcome] = button
            box_layout.addWidget(button)
        self.buttons[CallbackOutcome.REACHED if cb.phone else CallbackOutcome.MAILED].setChecked(True)
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText(f"Note (optional, at most {CALLBACK_NOTE_MAX} characters)")
        note_label = QLabel("&Note:")
        note_label.setBuddy(self.note)
        ok_cancel = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        self.answer_buttons = QDialogButtonBox(ok_cancel)
        self.answer_buttons.accepted.connect(self.accept)
        self.answer_buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addWidget(note_label)
        layout.addWidget(self.note)
        layout.addWidget(self.answer_buttons)

    def outcome(self) -> Outcome:
        chosen = next(o for o, b in self.buttons.items() if b.isChecked())
        note = self.note.toPlainText().strip()[:CALLBACK_NOTE_MAX]
        return chosen, note or None


def ask_outcome(cb: CallbackInfo, parent: QWidget) -> Outcome | None:
    dialog = OutcomeDialog(cb, parent)
    return dialog.outcome() if dialog.exec() == QDialog.DialogCode.Accepted else None


class CallbacksDialog(QDialog):
    def __init__(self, source: CallbackSource, open_url: OpenUrl = QDesktopServices.openUrl,
                 ask: AskOutcome = ask_outcome, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._open_url = open_url
        self._ask = ask
        self.items: list[CallbackInfo] = []
        self.setWindowTitle("Callback requests")
        self.resize(980, 440)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._enable)
        self.count = QLabel()
        self.show_done = QCheckBox("Show &done")
        self.show_done.toggled.connect(self.refresh)
        self.claim_button = QPushButton("C&laim")
        self.claim_button.setToolTip("Take it: your colleagues see that you have it")
        self.call_button = QPushButton("&Call")
        self.mail_button = QPushButton("&E-mail")
        self.done_button = QPushButton("Mark d&one…")
        refresh = QPushButton("&Refresh")
        self.claim_button.clicked.connect(self.claim)
        self.call_button.clicked.connect(self.call)
        self.mail_button.clicked.connect(self.mail)
        self.done_button.clicked.connect(self.finish)
        refresh.clicked.connect(self.refresh)
        actions = QHBoxLayout()
        for button in (self.claim_button, self.call_button, self.mail_button, self.done_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.show_done)
        actions.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)
        layout.addLayout(actions)
        self._enable()

    # --- the list -----------------------------------------------------------------------------

    def refresh(self) -> None:
        self.count.setText("Loading…")
        self._source.callbacks(self.show_callbacks, done=self.show_done.isChecked())

    def show_callbacks(self, items: list[CallbackInfo]) -> None:
        self.items = list(items)
        self._redraw()

    def follow_changes(self) -> None:
        """The server's open count (``queue_status``) went up past what the list shows: a requestor left a new
        request, so read the list again (claims, outcomes and lapses come as ``callback_update`` instead)."""
        shown = sum(c.done_at is None and c.claimed_by is None for c in self.items)
        loading = self.count.text() == "Loading…"
        if self._source.open_callbacks() > shown and len(self.items) < LIST_LIMIT and not loading:
            self.refresh()

    def update_item(self, item: CallbackInfo) -> None:
        """A claim, an outcome or a lapsed claim (``callback_update``): that row changes where it is."""
        rest = [c for c in self.items if c.callback_id != item.callback_id]
        if item.done_at is None or self.show_done.isChecked():
            rest.append(item)
        self.items = sorted(rest, key=lambda c: c.callback_id, reverse=True)
        self._redraw()

    def _redraw(self) -> None:
        chosen = self.selected()
        me = self._source.username
        self.table.setRowCount(len(self.items))
        for r, cb in enumerate(self.items):
            for c, text in enumerate(row_of(cb, self._source.queue_title, me)):
                item = QTableWidgetItem(text)
                item.setToolTip(cb.text if c == len(COLUMNS) - 1 else text)
                self.table.setItem(r, c, item)
            if chosen is not None and cb.callback_id == chosen.callback_id:
                self.table.selectRow(r)
        open_ = sum(c.done_at is None and c.claimed_by is None for c in self.items)
        claimed = sum(c.done_at is None and c.claimed_by is not None for c in self.items)
        text = f"{open_} open, {claimed} claimed"
        if self.show_done.isChecked():
            text += f", {sum(c.done_at is not None for c in self.items)} done"
        self.count.setText(text)
        self._enable()

    def selected(self) -> CallbackInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows or rows[0].row() >= len(self.items):
            return None
        return self.items[rows[0].row()]

    def _enable(self) -> None:
        cb, me = self.selected(), self._source.username
        mine_or_open = cb is not None and workable(cb, me)
        self.claim_button.setEnabled(cb is not None and cb.done_at is None and cb.claimed_by is None)
        self.call_button.setEnabled(mine_or_open and cb is not None and bool(cb.phone))
        self.mail_button.setEnabled(mine_or_open and cb is not None and bool(cb.email))
        self.done_button.setEnabled(mine_or_open)

    # --- actions ------------------------------------------------------------------------------

    def claim(self) -> None:
        cb = self.selected()
        if cb is not None:
            self._source.claim_callback(cb.callback_id, self.update_item)

    def call(self) -> None:
        cb = self.selected()
        if cb is not None and cb.phone:
            phone = cb.phone
            self._claimed_then(cb, lambda: self._open_url(tel_url(phone)))

    def mail(self) -> None:
        cb = self.selected()
        if cb is not None and cb.email:
            email, first = cb.email, (cb.text.strip().splitlines() or [""])[0][:80]
            self._claimed_then(cb, lambda: self._open_url(mailto_url(email, f"Your request: {first}" if first
                                                                     else "Your request")))

    def _claimed_then(self, cb: CallbackInfo, then: Callable[[], object]) -> None:
        """Claim it first unless I have it: the call or mail starts once the server said it is mine."""
        if cb.claimed_by == self._source.username:
            then()
            return

        def claimed(item: CallbackInfo) -> None:
            self.update_item(item)
            then()

        self._source.claim_callback(cb.callback_id, claimed)

    def finish(self) -> None:
        cb = self.selected()
        if cb is None:
            return
        answer = self._ask(cb, self)
        if answer is not None:
            outcome, note = answer
            self._source.finish_callback(cb.callback_id, outcome, note, self.update_item)
