"""The case panel beside a chat (or opened from the case list): one case of seed 003, worked on in place.

Without a case the panel offers **Create case** (from the chat, with its transcript, context, memos and
files) and **Attach to case…**. With one it shows number, title, state, priority, owner, the IRT / ORT
clocks counting down locally (re-read from the server every minute), the External Info history with the
customer's answers, interactions, memos, linked chats and history; and it has the External Info composer
with **Save** (customer informed, state stays) and **Save Reply** (customer must act: Awaiting Info), the
interaction form, state / priority / owner changes and the customer link. Refusals show the server's text.

The panel never awaits: every request goes through :class:`CaseBackend` (``run`` with callbacks).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from onduty.client.app.qt.core import QDateTime, Qt, QTimer, Signal
from onduty.client.app.qt.gui import QCloseEvent, QGuiApplication
from onduty.client.app.qt.widgets import (
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from onduty.client.desk.backend import CaseBackend
from onduty.client.desk.case_pages import (
    PRIORITY_LABELS,
    STATE_LABELS,
    chats_html,
    history_html,
    infos_html,
    interactions_html,
    memos_html,
    text_html,
)
from onduty.client.desk.sla_watch import CLOCK_TITLES, LEVEL_COLOURS, Clock, clock_view
from onduty.client.net.cases import (
    OPEN_STATES,
    Case,
    CaseList,
    CaseState,
    Direction,
    InteractionType,
    NewInteraction,
    Priority,
    SendMode,
)

T = TypeVar("T")

REFRESH_S = 60.0


def _combo(labels: dict[Any, str]) -> QComboBox:
    box = QComboBox()
    for value, label in labels.items():
        box.addItem(label, value)
    return box


def _select(box: QComboBox, value: object) -> None:
    box.setCurrentIndex(max(0, box.findData(value)))


class CasePanel(QWidget):
    updated = Signal()
    """After every answer (a case shown, "no case", or an error): tests and the list wait on it."""
    case_shown = Signal(object)
    """The :class:`Case` just shown (fresh from the server)."""

    def __init__(self, backend: CaseBackend, *, clock: Clock = time.time, refresh_s: float = REFRESH_S,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._backend = backend
        self._clock = clock
        self.case: Case | None = None
        self.chat_id: str | None = None
        self.error = ""
        self.resize(560, 720)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.pages = QStackedWidget()
        self.pages.addWidget(self._no_case_page())
        self.pages.addWidget(self._case_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.pages, 1)
        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(1000)
        self.tick_timer.timeout.connect(self.tick)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(int(refresh_s * 1000))
        self.refresh_timer.timeout.connect(self.refresh)
        self.setWindowTitle("Case")

    # --- building ------------------------------------------------------------------------------

    def _no_case_page(self) -> QWidget:
        page = QWidget()
        self.no_case_label = QLabel("This chat is not part of a case yet.")
        self.new_title = QLineEdit()
        self.new_title.setPlaceholderText("Title (default: the requestor's first line)")
        self.new_priority = _combo(PRIORITY_LABELS)
        _select(self.new_priority, Priority.MEDIUM)
        self.create_button = QPushButton("Create case")
        self.create_button.setToolTip("A new case with this chat's transcript, context, memos and files")
        self.create_button.clicked.connect(self.create_case)
        self.attach_button = QPushButton("Attach to case…")
        self.attach_button.clicked.connect(self.ask_attach)
        self.attach_choice = QComboBox()
        self.attach_confirm = QPushButton("Attach")
        self.attach_confirm.clicked.connect(
            lambda: self.attach_to(int(self.attach_choice.currentData())) if self.attach_choice.count() else None)
        form = QFormLayout()
        form.addRow("Title", self.new_title)
        form.addRow("Priority", self.new_priority)
        buttons = QHBoxLayout()
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.attach_button)
        buttons.addStretch(1)
        attach = QHBoxLayout()
        attach.addWidget(self.attach_choice, 1)
        attach.addWidget(self.attach_confirm)
        layout = QVBoxLayout(page)
        layout.addWidget(self.no_case_label)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addLayout(attach)
        layout.addStretch(1)
        self.attach_choice.hide()
        self.attach_confirm.hide()
        return page

    def _case_page(self) -> QWidget:
        page = QWidget()
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_box = _combo(STATE_LABELS)
        self.state_box.activated.connect(lambda _i: self.set_state(CaseState(self.state_box.currentData())))
        self.priority_box = _combo(PRIORITY_LABELS)
        self.priority_box.activated.connect(lambda _i: self.set_priority(Priority(self.priority_box.currentData())))
        self.owner_label = QLabel()
        self.owner_button = QPushButton("Assign to me")
        self.owner_button.clicked.connect(self.toggle_owner)
        self.link_button = QPushButton("Copy customer link")
        self.link_button.setToolTip("A new link to the case page, for the customer (e.g. to paste into the chat)")
        self.link_button.clicked.connect(self.copy_link)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.clock_labels = {kind: QLabel() for kind in CLOCK_TITLES}
        grid = QGridLayout()
        grid.addWidget(QLabel("State"), 0, 0)
        grid.addWidget(self.state_box, 0, 1)
        grid.addWidget(QLabel("Priority"), 0, 2)
        grid.addWidget(self.priority_box, 0, 3)
        grid.addWidget(self.owner_label, 1, 0, 1, 2)
        grid.addWidget(self.owner_button, 1, 2)
        grid.addWidget(self.link_button, 1, 3)
        for row, (kind, label) in enumerate(self.clock_labels.items(), start=2):
            grid.addWidget(QLabel(CLOCK_TITLES[kind]), row, 0, 1, 2)
            grid.addWidget(label, row, 2, 1, 2)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._info_tab(), "External Info")
        self.tabs.addTab(self._interaction_tab(), "Interactions")
        self.chats_view = QTextBrowser()
        self.tabs.addTab(self.chats_view, "Chats")
        self.tabs.addTab(self._memo_tab(), "Memos")
        self.history_view = QTextBrowser()
        self.tabs.addTab(self.history_view, "History")
        layout = QVBoxLayout(page)
        layout.addWidget(self.header)
        layout.addLayout(grid)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignRight)
        return page

    def _info_tab(self) -> QWidget:
        tab = QWidget()
        self.infos_view = QTextBrowser()
        self.composer = QPlainTextEdit()
        self.composer.setPlaceholderText("External Info: a message to the customer (case page and e-mail)")
        self.composer.setMaximumHeight(120)
        self.save_button = QPushButton("Save")
        self.save_button.setToolTip("The customer is informed; no answer is needed. The state stays.")
        self.save_button.clicked.connect(lambda: self.send_info(SendMode.SAVE))
        self.save_reply_button = QPushButton("Save Reply")
        self.save_reply_button.setToolTip("The customer must act: the state becomes Awaiting Info and ORT pauses "
                                          "until they answer.")
        self.save_reply_button.setStyleSheet("QPushButton { background: #fde9c8; color: #6b3d00; font-weight: 600; }")
        self.save_reply_button.clicked.connect(lambda: self.send_info(SendMode.SAVE_REPLY))
        buttons = QGridLayout()
        buttons.addWidget(self.save_button, 0, 0)
        buttons.addWidget(self.save_reply_button, 0, 1)
        for col, text in enumerate(("informs the customer · state stays", "answer needed · Awaiting Info")):
            hint = QLabel(text)
            hint.setStyleSheet("color: #5f6368; font-size: 9pt;")
            buttons.addWidget(hint, 1, col, Qt.AlignmentFlag.AlignHCenter)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.infos_view, 1)
        layout.addWidget(self.composer)
        layout.addLayout(buttons)
        return tab

    def _interaction_tab(self) -> QWidget:
        tab = QWidget()
        self.interactions_view = QTextBrowser()
        self.i_type = _combo({InteractionType.PHONE: "Phone call", InteractionType.EMAIL: "E-mail"})
        self.i_direction = _combo({Direction.OUTBOUND: "Outbound (we contacted them)",
                                   Direction.INBOUND: "Inbound (they contacted us)"})
        self.i_contact = QLineEdit()
        self.i_contact.setPlaceholderText("Phone number or e-mail address, name")
        self.i_summary = QPlainTextEdit()
        self.i_summary.setMaximumHeight(80)
        self.i_start, self.i_end = QDateTimeEdit(), QDateTimeEdit()
        for edit in (self.i_start, self.i_end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.interaction_button = QPushButton("Save interaction")
        self.interaction_button.clicked.connect(self.add_interaction)
        form = QFormLayout()
        form.addRow("Type", self.i_type)
        form.addRow("Direction", self.i_direction)
        form.addRow("Contact", self.i_contact)
        form.addRow("Summary", self.i_summary)
        form.addRow("Start", self.i_start)
        form.addRow("End", self.i_end)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.interactions_view, 1)
        layout.addLayout(form)
        layout.addWidget(self.interaction_button, 0, Qt.AlignmentFlag.AlignRight)
        self._reset_interaction()
        return tab

    def _memo_tab(self) -> QWidget:
        tab = QWidget()
        self.memos_view = QTextBrowser()
        self.memo_input = QLineEdit()
        self.memo_input.setPlaceholderText("Internal note (the customer never sees it)")
        self.memo_input.returnPressed.connect(self.add_memo)
        self.memo_button = QPushButton("Add memo")
        self.memo_button.clicked.connect(self.add_memo)
        row = QHBoxLayout()
        row.addWidget(self.memo_input, 1)
        row.addWidget(self.memo_button)
        layout = QVBoxLayout(tab)
        layout.addWidget(self.memos_view, 1)
        layout.addLayout(row)
        return tab

    # --- loading ---------------------------------------------------------------------------------

    def load_for_chat(self, chat_id: str) -> None:
        """Show the case of ``chat_id``, or offer to create / attach one."""
        self.chat_id = chat_id
        self._call(self._backend.cases.by_chat(chat_id), self._chat_case)

    def load_case(self, number: int) -> None:
        self._call(self._backend.cases.get(number), self.show_case)

    def refresh(self) -> None:
        if self.case is not None:
            self.load_case(self.case.number)
        elif self.chat_id is not None:
            self.load_for_chat(self.chat_id)

    def _chat_case(self, case: Case | None) -> None:
        if case is not None:
            self.show_case(case)
            return
        self.case = None
        self.setWindowTitle("Case: none yet")
        self.pages.setCurrentIndex(0)
        self.updated.emit()

    # --- actions -----------------------------------------------------------------------------------

    def create_case(self) -> None:
        if self.chat_id is not None:
            priority = Priority(self.new_priority.currentData())
            self._call(self._backend.cases.create_from_chat(self.chat_id, title=self.new_title.text().strip() or None,
                                                            priority=priority), self.show_case)

    def ask_attach(self) -> None:
        """Offer the open cases of my queues to attach this chat to."""
        def offer(found: CaseList) -> None:
            self.attach_choice.clear()
            for c in found.cases:
                self.attach_choice.addItem(f"{c.number} · {c.title} · {c.requestor.name}", c.number)
            self.attach_choice.show()
            self.attach_confirm.show()
            self.attach_confirm.setEnabled(self.attach_choice.count() > 0)
            self.updated.emit()

        self._call(self._backend.cases.list_cases(states=sorted(OPEN_STATES)), offer)

    def attach_to(self, number: int) -> None:
        if self.chat_id is not None:
            self._call(self._backend.cases.attach_chat(number, self.chat_id), self.show_case)

    def send_info(self, mode: SendMode) -> None:
        text = self.composer.toPlainText().strip()
        if self.case is None:
            return
        if not text:
            self.show_error("Write the message to the customer first.")
            return
        self.save_button.setEnabled(False)
        self.save_reply_button.setEnabled(False)

        def sent(case: Case) -> None:
            self.composer.clear()
            self.show_case(case)

        self._call(self._backend.cases.send_external_info(self.case.number, text, mode), sent)

    def set_state(self, state: CaseState) -> None:
        if self.case is not None and state is not self.case.state:
            self._call(self._backend.cases.change(self.case.number, state=state), self.show_case)

    def set_priority(self, priority: Priority) -> None:
        if self.case is not None and priority is not self.case.priority:
            self._call(self._backend.cases.change(self.case.number, priority=priority), self.show_case)

    def toggle_owner(self) -> None:
        if self.case is not None:
            owner = None if self.case.owner == self._backend.me else self._backend.me
            self._call(self._backend.cases.change(self.case.number, owner=owner), self.show_case)

    def add_interaction(self) -> None:
        if self.case is None:
            return
        record = NewInteraction(
            InteractionType(self.i_type.currentData()), Direction(self.i_direction.currentData()),
            self.i_contact.text().strip(), self.i_summary.toPlainText().strip(),
            float(self.i_start.dateTime().toSecsSinceEpoch()), float(self.i_end.dateTime().toSecsSinceEpoch()))

        def saved(case: Case) -> None:
            self._reset_interaction()
            self.show_case(case)

        self._call(self._backend.cases.add_interaction(self.case.number, record), saved)

    def add_memo(self) -> None:
        text = self.memo_input.text().strip()
        if self.case is not None and text:
            def saved(case: Case) -> None:
                self.memo_input.clear()
                self.show_case(case)

            self._call(self._backend.cases.add_memo(self.case.number, text), saved)

    def copy_link(self) -> None:
        if self.case is None:
            return

        def copied(url: str) -> None:
            QGuiApplication.clipboard().setText(url)
            self._banner(f"Customer link copied: {url}", error=False)
            self.updated.emit()

        self._call(self._backend.cases.customer_link(self.case.number), copied)

    # --- showing -------------------------------------------------------------------------------------

    def show_case(self, case: Case) -> None:
        self.case = case
        if self.chat_id is None and case.chats:
            self.chat_id = case.chats[0].chat_id
        self.error = ""
        self.banner.hide()
        self.pages.setCurrentIndex(1)
        self.setWindowTitle(f"Case {case.number}: {case.title}")
        r = case.requestor
        contact = " · ".join(html.escape(x) for x in (r.email, r.phone, r.verified_id) if x)
        queue = html.escape(self._backend.queue_title(case.queue))
        self.header.setText(
            f"<span style='font-size:14pt; font-weight:600'>Case {case.number} · {html.escape(case.title)}</span>"
            f"<br>{html.escape(r.name)}{' · ' + contact if contact else ''} · queue <b>{queue}</b>"
            f" · <b>{STATE_LABELS[case.state]}</b> · {PRIORITY_LABELS[case.priority]}"
            + (f"<br>{text_html(case.description)}" if case.description else ""))
        _select(self.state_box, case.state)
        _select(self.priority_box, case.priority)
        mine = case.owner == self._backend.me
        self.owner_label.setText(f"Owner: {case.owner + (' (you)' if mine else '') if case.owner else 'nobody'}")
        self.owner_button.setText("Unassign me" if mine else "Assign to me")
        closed = case.state is CaseState.CLOSED
        for widget in (self.state_box, self.priority_box, self.owner_button, self.composer, self.save_button,
                       self.interaction_button, self.memo_button, self.link_button):
            widget.setEnabled(not closed)
        self.save_reply_button.setEnabled(case.state not in (CaseState.CLOSED, CaseState.SOLVED))
        self.save_reply_button.setToolTip(
            "Reopen the case first (In Process): Save Reply is not possible on a solved case."
            if case.state is CaseState.SOLVED else
            "The customer must act: the state becomes Awaiting Info and ORT pauses until they answer.")
        self.infos_view.setHtml(infos_html(case))
        self.interactions_view.setHtml(interactions_html(case))
        self.chats_view.setHtml(chats_html(case, self._backend.queue_title))
        self.memos_view.setHtml(memos_html(case))
        self.history_view.setHtml(history_html(case))
        self.tick()
        if not self.tick_timer.isActive():
            self.tick_timer.start()
            self.refresh_timer.start()
        self.case_shown.emit(case)
        self.updated.emit()

    def tick(self) -> None:
        """Redraw the clocks: the countdown runs locally between two reads from the server."""
        if self.case is None:
            return
        now = self._clock()
        for clock in self.case.clocks:
            view = clock_view(clock, now)
            label = self.clock_labels[clock.kind]
            label.setText(view.text)
            label.setToolTip(view.detail)
            label.setStyleSheet(f"color: {LEVEL_COLOURS[view.level]}; font-weight: 600;")

    def show_error(self, text: str) -> None:
        self.error = text
        self._banner(text, error=True)
        if self.case is not None:
            self.save_button.setEnabled(self.case.state is not CaseState.CLOSED)
            self.save_reply_button.setEnabled(self.case.state not in (CaseState.CLOSED, CaseState.SOLVED))
            _select(self.state_box, self.case.state)
            _select(self.priority_box, self.case.priority)
        self.updated.emit()

    def _banner(self, text: str, *, error: bool) -> None:
        style = ("background:#fdecea; color:#8c1d18; border:1px solid #f1b0aa" if error else
                 "background:#e8f5e9; color:#1e5b2c; border:1px solid #a5d6a7")
        self.banner.setText(text)
        self.banner.setStyleSheet(style + "; border-radius:4px; padding:6px;")
        self.banner.show()

    def _reset_interaction(self) -> None:
        now = QDateTime.fromSecsSinceEpoch(int(self._clock()))
        self.i_start.setDateTime(now.addSecs(-600))
        self.i_end.setDateTime(now)
        self.i_contact.clear()
        self.i_summary.clear()

    def _call(self, coro: Coroutine[Any, Any, T], on_done: Callable[[T], None]) -> None:
        self._backend.run(coro, on_done, self.show_error)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.tick_timer.stop()
        self.refresh_timer.stop()
        event.accept()
