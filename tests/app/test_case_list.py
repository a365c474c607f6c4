"""The case list (scope, state and due filters, sorted by due time, SLA marks) and install_cases in the app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from onduty.client.app.app import AgentApp
from onduty.client.app.cases.case_list import ROW_COLOURS, CaseListWindow, Filters
from onduty.client.app.cases.cases_ui import MENU_TEXT, install_cases
from onduty.client.app.tray.tray import action_texts, find_action
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.sla_watch import Level
from onduty.client.net import AgentClient
from onduty.client.net.cases import CaseState, Priority, Scope

from .conftest import PASSWORD, Answers, MemoryKeyring, until
from .test_case_support import CaseServer, agent, case_server, chat_with_transcript, service_for


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[CaseServer]:
    async with case_server(tmp_path) as s:
        yield s


@pytest.fixture
async def ann(server: CaseServer) -> AsyncIterator[AgentClient]:
    async with agent(server, "ann") as client:
        yield client


def numbers(window: CaseListWindow) -> list[int]:
    return [int(window.table.item(r, 0).text()) for r in range(window.table.rowCount())]


async def listed(window: CaseListWindow, filters: Filters) -> list[int]:
    window.set_filters(filters)
    seen: list[bool] = []
    window.updated.connect(lambda: seen.append(True))
    window.refresh()
    await until(window.updated, lambda: bool(seen))
    assert not window.error, window.error
    return numbers(window)


async def test_filters_by_scope_state_and_due_time_sorted_by_due(
    server: CaseServer, ann: AgentClient, qapp: Any, close_windows: None,
) -> None:
    service = service_for(server, ann)
    urgent = await service.cases.create("cim-emea", "Line down", "Rita", priority=Priority.VERY_HIGH)  # due 10:00
    low = await service.cases.create("cim-emea", "A question", "Paul", priority=Priority.LOW)  # due in 3 days
    medium = await service.cases.create("cim-emea", "Printer", "Mia")  # due 17:00
    await service.cases.change(low.number, state=CaseState.IN_PROCESS, owner="ann")
    await service.cases.change(medium.number, state=CaseState.SOLVED)
    async with agent(server, "carl") as carl:
        await service_for(server, carl).cases.create("cic", "Not my queue", "Zed", priority=Priority.VERY_HIGH)

    window = CaseListWindow(service, clock=server.clock)
    window.show()
    assert await listed(window, Filters()) == [urgent.number, low.number]  # open cases, soonest due first
    assert window.table.item(0, 7).text() == "in 1 h 00 min"
    assert window.table.item(1, 6).text() == "ann (you)"
    assert window.table.item(0, 3).text() == "CIM EMEA"  # the queue's title, not its name
    assert window.status.text() == "2 cases"
    assert await listed(window, Filters(scope=Scope.MINE)) == [low.number]
    assert await listed(window, Filters(states=(CaseState.SOLVED,))) == [medium.number]
    assert await listed(window, Filters(states=())) == [urgent.number, low.number, medium.number]  # solved: no due
    assert await listed(window, Filters(due_within_s=3600.0)) == [urgent.number]
    assert await listed(window, Filters(due_within_s=0.0)) == []

    server.clock.advance(61 * 60)
    assert await listed(window, Filters(due_within_s=0.0)) == [urgent.number]  # overdue
    assert window.table.item(0, 7).text() == "overdue 1 min"
    assert window.table.item(0, 8).text() == "IRT breached 1 min ago"
    assert window.table.item(0, 0).background().color().name() == ROW_COLOURS[Level.BREACHED]
    assert window.status.text() == "1 case · 1 breached"

    opened: list[int] = []
    window.open_requested.connect(opened.append)
    window.table.cellDoubleClicked.emit(0, 1)
    assert opened == [urgent.number]


async def test_a_failed_read_shows_the_servers_text(
    server: CaseServer, ann: AgentClient, qapp: Any, close_windows: None,
) -> None:
    service = service_for(server, ann)
    window = CaseListWindow(service, clock=server.clock)
    ann.token = "revoked"
    window.refresh()
    await until(window.updated, lambda: bool(window.error))
    assert window.status.text() == "Refused by the server: the token is unknown or expired: sign in again"


class FakeChatWindow(QWidget):
    """What the hook needs of a chat window: its chat id and a Case… button."""

    def __init__(self, chat_id: str) -> None:
        super().__init__()
        self.chat_id = chat_id
        self.case_button = QPushButton("Case…", self)


class Notes(QObject):
    got = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, str]] = []

    def __call__(self, title: str, text: str) -> None:
        self.items.append((title, text))
        self.got.emit()


async def test_install_cases_adds_the_menu_entry_the_chat_hook_and_the_sla_warnings(
    server: CaseServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    notes = Notes()
    app = AgentApp(Settings(server=server.url, user="ann"), paths, TokenStore(memory_keyring), confirm=answers,
                   tray_available=lambda: True,
                   cases=lambda a: install_cases(a, clock=server.clock, poll_interval_s=3600.0, notify=notes))
    cases_ui = app.cases
    app.start()
    assert app.tray is not None and cases_ui.service is None
    assert cases_ui.open_for_chat("nothing") is None  # signed out: no panel
    app.tray.menu.aboutToShow.emit()
    assert MENU_TEXT not in action_texts(app.tray.menu)

    dialog = app.sign_in_dialog
    assert dialog is not None
    dialog.password.setText(PASSWORD)
    dialog.sign_in_button.click()
    await until(app.signed_in, lambda: cases_ui.service is not None)
    session = app.session
    assert session is not None and cases_ui.poller is not None and cases_ui.poller.running
    await until(session.changed, lambda: session.view.status is not None)

    app.tray.menu.aboutToShow.emit()
    texts = action_texts(app.tray.menu)
    assert texts.count(MENU_TEXT) == 1
    assert texts.index(MENU_TEXT) == texts.index(next(t for t in texts if t.startswith("Callback requests"))) + 1
    app.tray.menu.aboutToShow.emit()  # opening the menu again adds no second entry
    assert action_texts(app.tray.menu).count(MENU_TEXT) == 1

    # The chat window's hook: the panel of a chat (offering to create its case); Bob had the chat.
    async with agent(server, "bob") as bob:
        chat_id = await chat_with_transcript(server, bob)
    chat_window = FakeChatWindow(chat_id)
    cases_ui.hook_chat_window(chat_window)
    cases_ui.hook_chat_window(chat_window)  # ChatWindows.opened fires at every pop-up: connected once
    chat_window.case_button.click()
    assert list(cases_ui.panels) == [chat_id]
    panel = cases_ui.panels[chat_id]
    assert panel.isVisible()
    await until(panel.updated, lambda: panel.pages.currentIndex() == 0)
    panel.create_button.click()
    await until(panel.updated, lambda: panel.case is not None)
    assert cases_ui.open_for_chat(chat_id) is panel  # asked again: the same panel

    app.tray.menu.aboutToShow.emit()  # the agent opens the menu (rebuilt since, e.g. with the queues' titles)
    find_action(app.tray.menu, MENU_TEXT).trigger()
    window = cases_ui.list_window
    assert window is not None and window.isVisible()
    await until(window.updated, lambda: window.table.rowCount() == 1)
    window.table.cellDoubleClicked.emit(0, 0)
    assert cases_ui.panels[chat_id].isVisible()

    # Near the breach: the poller's next round raises one tray warning for the case.
    assert cases_ui.poller is not None
    await cases_ui.poller.poll_once()
    assert notes.items == []
    server.clock.advance(7 * 3600 + 50 * 60)  # Medium: IRT is one business day (8 h)
    await cases_ui.poller.poll_once()
    await cases_ui.poller.poll_once()
    assert [title for title, _ in notes.items] == ["Case 1: IRT breach soon"]

    # Signing out closes the case windows and stops the poller.
    poller = cases_ui.poller
    app.sign_out()
    await until(app.signed_out, lambda: cases_ui.service is None)
    await cases_ui.stop()
    assert not poller.running and cases_ui.panels == {} and cases_ui.list_window is None
    app.tray.menu.aboutToShow.emit()
    assert MENU_TEXT not in action_texts(app.tray.menu)
