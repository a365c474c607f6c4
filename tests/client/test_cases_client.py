"""The typed cases client against the real server on loopback (injected clock), and against broken answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from onduty.client.net.cases import (
    KEEP,
    BadCaseData,
    CaseErrorCode,
    CaseRefused,
    CasesClient,
    CaseState,
    CasesUnavailable,
    ClockStatus,
    Direction,
    InfoKind,
    InteractionType,
    NewInteraction,
    Priority,
    Scope,
    SendMode,
    SlaFilter,
)
from onduty.shared.types import BusinessContext

from ..cases.conftest import START, chat_with_memo, login
from ..server.harness import Harness, Wire


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(tmp_path / "data", public_url="https://chat.example.com")
    await h.seed()
    await h.start()
    yield h
    await h.close()


async def client_of(h: Harness, username: str = "ann") -> tuple[CasesClient, Wire]:
    wire, api = await login(h, username)
    token = api.token
    return CasesClient(h.url("/"), lambda: token, time_limit=5.0), wire


async def test_a_chat_becomes_a_case_with_its_transcript_and_is_found_by_chat(harness: Harness) -> None:
    cases, wire = await client_of(harness)
    chat_id = await chat_with_memo(harness, wire,
                                   context=[BusinessContext("order", "4711", "Order 4711", {"status": "stuck"})])
    assert await cases.by_chat(chat_id) is None
    case = await cases.create_from_chat(chat_id, priority=Priority.HIGH)
    assert (case.number, case.state, case.priority, case.owner) == (1, CaseState.NEW, Priority.HIGH, None)
    assert case.title == "Hello, I need a processor"
    assert case.requestor.email == "rita@example.com"
    [chat] = case.chats
    assert [(m.sender, m.text) for m in chat.messages] == [
        ("requestor", "Hello, I need a processor"), ("agent", "Hello, I am Ann from CIM EMEA")]
    assert [m.text for m in chat.memos] == ["Requestor: Rita\nAction Taken: triggered QM"]
    assert chat.context[0].fields == {"status": "stuck"}
    assert case.irt.status is ClockStatus.RUNNING and case.irt.remaining_s == 4 * 3600
    assert case.irt.due_at == START + 4 * 3600 and case.next_due_at == START + 4 * 3600
    assert [h.what for h in case.history] == ["created", "chat_linked"]
    found = await cases.by_chat(chat_id)
    assert found is not None and found.number == case.number

    with pytest.raises(CaseRefused) as refused:
        await cases.create_from_chat(chat_id)
    assert (refused.value.status, refused.value.code, refused.value.linked_case) == (409,
                                                                                     CaseErrorCode.ALREADY_LINKED, 1)
    assert "part of case 1" in refused.value.detail


async def test_save_keeps_the_state_and_save_reply_makes_it_awaiting_info(harness: Harness) -> None:
    cases, _wire = await client_of(harness)
    case = await cases.create("cim-emea", "Printer", "Paul", email="paul@example.com")
    case = await cases.change(case.number, state=CaseState.IN_PROCESS, owner="ann")
    assert (case.state, case.owner) == (CaseState.IN_PROCESS, "ann")
    await harness.advance(600)
    case = await cases.send_external_info(case.number, "We are on it.", SendMode.SAVE)
    assert case.state is CaseState.IN_PROCESS
    assert case.irt.status is ClockStatus.STOPPED and case.ort.status is ClockStatus.RUNNING
    case = await cases.send_external_info(case.number, "Which model?", SendMode.SAVE_REPLY)
    assert case.state is CaseState.AWAITING_INFO and case.ort.status is ClockStatus.PAUSED
    assert [(i.kind, i.text, i.mail) for i in case.external_infos] == [
        (InfoKind.SAVE, "We are on it.", "outbox"), (InfoKind.SAVE_REPLY, "Which model?", "outbox")]
    case = await cases.change(case.number, priority=Priority.LOW, owner=KEEP)
    assert (case.priority, case.owner) == (Priority.LOW, "ann")
    case = await cases.change(case.number, owner=None)
    assert case.owner is None

    call = NewInteraction(InteractionType.PHONE, Direction.OUTBOUND, "+49 30 1234", "Explained the fix",
                          START + 60, START + 360)
    case = await cases.add_interaction(case.number, call)
    [record] = case.interactions
    assert (record.type, record.direction, record.contact, record.started_at, record.author) == (
        InteractionType.PHONE, Direction.OUTBOUND, "+49 30 1234", START + 60, "ann")
    case = await cases.add_memo(case.number, "prefers calls")
    assert [m.text for m in case.memos] == ["prefers calls"]
    url = await cases.customer_link(case.number)
    assert url.startswith("https://chat.example.com/case/")


async def test_refusals_carry_the_servers_code_and_text(harness: Harness) -> None:
    cases, _wire = await client_of(harness)
    case = await cases.create("cim-emea", "Printer", "Paul")
    await cases.change(case.number, state=CaseState.IN_PROCESS)
    with pytest.raises(CaseRefused) as refused:
        await cases.change(case.number, state=CaseState.NEW)
    assert (refused.value.status, refused.value.code) == (409, CaseErrorCode.INVALID_TRANSITION)
    assert refused.value.detail and str(refused.value) == refused.value.detail
    with pytest.raises(CaseRefused) as unknown:
        await cases.get(999)
    assert unknown.value.code is CaseErrorCode.UNKNOWN_CASE and unknown.value.detail == "no case 999"
    carl, _ = await client_of(harness, "carl")
    with pytest.raises(CaseRefused) as other_queue:
        await carl.get(case.number)
    assert other_queue.value.code is CaseErrorCode.NOT_ALLOWED
    nobody = CasesClient(harness.url("/"), lambda: "not-a-token")
    with pytest.raises(CaseRefused) as unauthenticated:
        await nobody.list_cases()
    assert unauthenticated.value.code is CaseErrorCode.NOT_AUTHENTICATED
    signed_out = CasesClient(harness.url("/"), lambda: None)
    with pytest.raises(CaseRefused):
        await signed_out.list_cases()


async def test_list_filters_scope_state_due_and_sla(harness: Harness) -> None:
    cases, _wire = await client_of(harness)
    urgent = await cases.create("cim-emea", "Down", "Rita", priority=Priority.VERY_HIGH)
    low = await cases.create("cim-emea", "Question", "Paul", priority=Priority.LOW)
    await cases.change(low.number, state=CaseState.IN_PROCESS, owner="ann")

    mine = await cases.list_cases(scope=Scope.MINE)
    assert [c.number for c in mine.cases] == [low.number]
    by_due = await cases.list_cases()
    assert [c.number for c in by_due.cases] == [urgent.number, low.number] and by_due.now == START
    soon = await cases.list_cases(due_before=START + 2 * 3600)
    assert [c.number for c in soon.cases] == [urgent.number]
    in_process = await cases.list_cases(states=[CaseState.IN_PROCESS])
    assert [c.number for c in in_process.cases] == [low.number]
    await cases.change(low.number, state=CaseState.SOLVED)
    assert [c.number for c in (await cases.list_cases()).cases] == [urgent.number]
    assert {c.number for c in (await cases.list_cases(states=())).cases} == {urgent.number, low.number}

    await harness.advance(50 * 60)
    warned = await cases.list_cases(sla=SlaFilter.WARNING)
    assert [(c.number, c.irt.warning, c.irt.remaining_s) for c in warned.cases] == [(urgent.number, True, 600)]
    await harness.advance(11 * 60)
    breached = await cases.list_cases(sla=SlaFilter.BREACHED)
    assert [(c.number, c.irt.breached_at) for c in breached.cases] == [(urgent.number, START + 3600)]
    assert breached.cases[0].sla_breached


async def broken_server(answer: web.Response) -> TestServer:
    async def handler(request: web.Request) -> web.Response:
        return answer

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    return server


@pytest.mark.parametrize(("answer", "error"), [
    (web.json_response({"cases": [{"number": "one"}], "now": 1.0}), BadCaseData),
    (web.Response(text="<html>oops</html>", status=200), BadCaseData),
    (web.Response(text="Internal Server Error", status=500), CasesUnavailable),
    (web.Response(text="Bad Gateway", status=502), CasesUnavailable),
])
async def test_answers_off_the_contract_are_typed_errors(answer: web.Response, error: type[Exception]) -> None:
    server = await broken_server(answer)
    try:
        with pytest.raises(error):
            await CasesClient(str(server.make_url("/")), lambda: "t").list_cases()
    finally:
        await server.close()


async def test_an_unknown_refusal_code_keeps_the_servers_text() -> None:
    server = await broken_server(web.json_response({"code": "teapot", "detail": "I am a teapot"}, status=418))
    try:
        with pytest.raises(CaseRefused) as refused:
            await CasesClient(str(server.make_url("/")), lambda: "t").get(1)
        assert (refused.value.code, refused.value.detail) == (CaseErrorCode.UNEXPECTED, "I am a teapot")
    finally:
        await server.close()


async def test_an_unreachable_server_is_unavailable() -> None:
    server = await broken_server(web.json_response({}))
    url = str(server.make_url("/"))
    await server.close()
    with pytest.raises(CasesUnavailable):
        await CasesClient(url, lambda: "t", time_limit=5.0).get(1)
