"""The case panel against the real server (shared fake clock): create from a chat, attach, Save vs Save Reply,
the customer's answer, interactions, memos, the customer link, the clocks and refusals."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PySide6.QtGui import QGuiApplication

from onduty.client.app.cases.case_panel import CasePanel
from onduty.client.app.cases.cases_ui import CaseService
from onduty.client.desk.sla_watch import LEVEL_COLOURS, Level
from onduty.client.net import AgentClient
from onduty.client.net.cases import CaseState, ClockKind, InfoKind, Priority
from onduty.client.net.files import http_base

from .conftest import until
from .test_case_support import START, CaseServer, agent, case_server, chat_with_transcript, service_for


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[CaseServer]:
    async with case_server(tmp_path) as s:
        yield s


@pytest.fixture
async def ann(server: CaseServer) -> AsyncIterator[AgentClient]:
    async with agent(server, "ann") as client:
        yield client


def panel_for(server: CaseServer, service: CaseService) -> CasePanel:
    panel = CasePanel(service, clock=server.clock)
    panel.show()
    return panel


async def shown(panel: CasePanel, condition: Any) -> None:
    await until(panel.updated, lambda: panel.case is not None and not panel.error and condition(panel.case))


def choose(box: Any, value: object) -> None:
    """As the agent does: pick an entry (``activated`` fires only on user choices)."""
    index = box.findData(value)
    box.setCurrentIndex(index)
    box.activated.emit(index)


async def test_create_a_case_from_a_chat_with_its_transcript_then_attach_another_chat(
    server: CaseServer, ann: AgentClient, qapp: Any, close_windows: None,
) -> None:
    chat_id = await chat_with_transcript(server, ann)
    service = service_for(server, ann)
    panel = panel_for(server, service)
    panel.load_for_chat(chat_id)
    await until(panel.updated, lambda: panel.pages.currentIndex() == 0)
    assert panel.case is None and panel.create_button.isVisible() and panel.attach_button.isVisible()

    choose(panel.new_priority, Priority.HIGH)
    panel.create_button.click()
    await shown(panel, lambda c: c.number == 1)
    assert panel.pages.currentIndex() == 1
    header = panel.header.text()
    for part in ("Case 1", "My order 4711 is stuck", "Rita Requestor", "rita@example.com", "queue <b>CIM EMEA</b>",
                 "New", "High"):
        assert part in header
    assert "cim-emea" not in header  # the queue's title, not its name (issue 21)
    transcript = panel.chats_view.toPlainText()
    assert "Chat with Rita Requestor · CIM EMEA · " in transcript
    for part in ("Rita Requestor: My order 4711 is stuck", "Ann Agent: Hello Rita, I am looking into it",
                 "order 4711 Order 4711", "status: stuck", "Action Taken: checked the order"):
        assert part in transcript
    assert panel.owner_label.text() == "Owner: nobody"
    assert "created" in panel.history_view.toPlainText()
    assert panel.clock_labels[ClockKind.IRT].text().startswith("due in 4 h 00 min")

    # A second chat of Rita's joins the same case.
    await ann.close_chat(chat_id)
    second = await chat_with_transcript(server, ann, "Any news on 4711?")
    other = panel_for(server, service)
    other.load_for_chat(second)
    await until(other.updated, lambda: other.pages.currentIndex() == 0)
    other.attach_button.click()
    await until(other.updated, lambda: other.attach_choice.count() == 1)
    assert "1 · My order 4711 is stuck" in other.attach_choice.currentText()
    other.attach_confirm.click()
    await shown(other, lambda c: len(c.chats) == 2)
    assert "Any news on 4711?" in other.chats_view.toPlainText()
    assert other.windowTitle() == "Case 1: My order 4711 is stuck"


async def test_save_keeps_the_state_save_reply_makes_it_awaiting_info_and_the_answer_comes_back(
    server: CaseServer, ann: AgentClient, qapp: Any, close_windows: None,
) -> None:
    service = service_for(server, ann)
    case = await service.cases.create("cim-emea", "Printer jams", "Paul", email="paul@example.com")
    panel = panel_for(server, service)
    panel.load_case(case.number)
    await shown(panel, lambda c: c.state is CaseState.NEW)
    choose(panel.state_box, CaseState.IN_PROCESS)
    await shown(panel, lambda c: c.state is CaseState.IN_PROCESS)
    panel.owner_button.click()
    await shown(panel, lambda c: c.owner == "ann")
    assert panel.owner_label.text() == "Owner: ann (you)" and panel.owner_button.text() == "Unassign me"

    assert panel.save_button.text() == "Save" and panel.save_reply_button.text() == "Save Reply"
    assert "state stays" in panel.save_button.toolTip() and "Awaiting Info" in panel.save_reply_button.toolTip()
    server.clock.advance(600)
    panel.composer.setPlainText("We are on it.")
    panel.save_button.click()
    await shown(panel, lambda c: len(c.external_infos) == 1)
    assert panel.case is not None and panel.case.state is CaseState.IN_PROCESS  # Save: the state stays
    assert panel.composer.toPlainText() == ""
    assert panel.clock_labels[ClockKind.IRT].text() == "met after 10 min"
    assert panel.clock_labels[ClockKind.ORT].text().startswith("due in")
    assert "In Process" in panel.header.text()

    panel.composer.setPlainText("Which printer model is it?")
    panel.save_reply_button.click()
    await shown(panel, lambda c: len(c.external_infos) == 2)
    assert panel.case is not None and panel.case.state is CaseState.AWAITING_INFO  # Save Reply: customer's turn
    assert panel.state_box.currentData() == CaseState.AWAITING_INFO
    assert panel.clock_labels[ClockKind.ORT].text().startswith("paused (awaiting the customer)")
    infos = panel.infos_view.toPlainText()
    assert "Save · customer informed, no answer needed" in infos and "Save Reply · customer's answer needed" in infos
    assert "mail in the outbox" in infos

    # The customer answers on the case page (the link the agent copies); a refresh shows it.
    panel.link_button.click()
    await until(panel.updated, lambda: panel.banner.text().startswith("Customer link copied"))
    url = QGuiApplication.clipboard().text()
    assert url.startswith("https://chat.example.com/case/") and url in panel.banner.text()
    path = re.sub(r"^https://chat\.example\.com", "", url)
    async with aiohttp.ClientSession() as http, http.post(http_base(server.url) + path,
                                                         data={"text": "An LX-200"}, allow_redirects=False) as resp:
        assert resp.status == 303
    panel.refresh_button.click()
    await shown(panel, lambda c: c.state is CaseState.IN_PROCESS)
    assert panel.case is not None and panel.case.external_infos[-1].kind is InfoKind.ANSWER
    assert "Customer's answer" in panel.infos_view.toPlainText() and "An LX-200" in panel.infos_view.toPlainText()


async def test_interactions_and_memos(server: CaseServer, ann: AgentClient, qapp: Any, close_windows: None) -> None:
    service = service_for(server, ann)
    case = await service.cases.create("cim-emea", "Call me", "Paul")
    panel = panel_for(server, service)
    panel.load_case(case.number)
    await shown(panel, lambda c: True)
    assert panel.i_end.dateTime().toSecsSinceEpoch() == START  # the form starts at the injected now
    choose(panel.i_direction, panel.i_direction.itemData(1))  # inbound
    panel.i_contact.setText("+49 30 1234, Paul")
    panel.i_summary.setPlainText("Paul called: the printer works again")
    panel.interaction_button.click()
    await shown(panel, lambda c: len(c.interactions) == 1)
    assert panel.case is not None
    record = panel.case.interactions[0]
    assert (record.direction.value, record.started_at, record.ended_at) == ("inbound", START - 600, START)
    assert "Phone call, inbound" in panel.interactions_view.toPlainText()
    assert panel.case.state is CaseState.NEW  # documenting a call changes no state
    assert panel.i_contact.text() == ""

    panel.memo_input.setText("prefers calls in the morning")
    panel.memo_button.click()
    await shown(panel, lambda c: len(c.memos) == 1)
    assert "prefers calls in the morning" in panel.memos_view.toPlainText()


async def test_the_clocks_count_down_locally_and_turn_amber_then_red(
    server: CaseServer, ann: AgentClient, qapp: Any, close_windows: None,
) -> None:
    service = service_for(server, ann)
    case = await service.cases.create("cim-emea", "Line down", "Rita", priority=Priority.VERY_HIGH)
    panel = panel_for(server, service)
    panel.load_case(case.number)
    await shown(panel, lambda c: True)
    irt = panel.clock_labels[ClockKind.IRT]
    assert irt.text().startswith("due in 1 h 00 min")
    assert LEVEL_COLOURS[Level.OK] in irt.styleSheet()
    assert "0 s of 1 h 00 min business time used" in irt.toolTip()

    server.clock.advance(50 * 60)
    panel.tick()  # no request: the countdown runs on the local clock
    assert irt.text().startswith("due in 10 min")
    panel.refresh()  # the server says it is within the warning lead now
    await shown(panel, lambda c: c.irt.warning)
    assert LEVEL_COLOURS[Level.WARNING] in irt.styleSheet()

    server.clock.advance(11 * 60)
    panel.tick()
    assert irt.text() == "breached 1 min ago"
    assert LEVEL_COLOURS[Level.BREACHED] in irt.styleSheet()
    panel.refresh()
    await shown(panel, lambda c: c.irt.breached_at == START + 3600)
    assert irt.text() == "breached 1 min ago"


async def test_a_refused_action_shows_the_servers_text_and_keeps_the_case(
    server: CaseServer, ann: AgentClient, qapp: Any, close_windows: None,
) -> None:
    service = service_for(server, ann)
    case = await service.cases.create("cim-emea", "Printer jams", "Paul")
    panel = panel_for(server, service)
    panel.load_case(case.number)
    await shown(panel, lambda c: True)
    choose(panel.state_box, CaseState.IN_PROCESS)
    await shown(panel, lambda c: c.state is CaseState.IN_PROCESS)

    choose(panel.state_box, CaseState.NEW)  # the case rules do not go back to New
    await until(panel.updated, lambda: bool(panel.error))
    assert panel.banner.isVisible()
    assert panel.banner.text().startswith("Refused by the server: ")
    assert "in_process" in panel.banner.text() and "new" in panel.banner.text()
    assert panel.state_box.currentData() == CaseState.IN_PROCESS  # the view shows what the server kept

    panel.save_button.click()  # nothing written: said locally, no request
    assert panel.error == "Write the message to the customer first."

    choose(panel.state_box, CaseState.SOLVED)
    await shown(panel, lambda c: c.state is CaseState.SOLVED)
    assert not panel.banner.isVisible()
    assert panel.save_button.isEnabled() and not panel.save_reply_button.isEnabled()
    assert "Reopen the case first" in panel.save_reply_button.toolTip()
    choose(panel.state_box, CaseState.CLOSED)
    await shown(panel, lambda c: c.state is CaseState.CLOSED)
    assert not panel.save_button.isEnabled() and not panel.composer.isEnabled()

    bob_case = await service.cases.create("cim-emea", "Another", "Paul")
    async with agent(server, "carl") as carl:  # another queue: not allowed
        stranger = panel_for(server, service_for(server, carl))
        stranger.load_case(bob_case.number)
        await until(stranger.updated, lambda: bool(stranger.error))
        assert stranger.error == f"Refused by the server: case {bob_case.number} is not in your queues"
