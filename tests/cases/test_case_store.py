"""Case records in the store (each implementation): links to chats, rules applied inside the write, SLA settings."""

from __future__ import annotations

import pathlib
from collections.abc import AsyncIterator
from datetime import date
from functools import partial

import pytest

from onduty.server.config import ServerConfig
from onduty.server.core import cases as rules
from onduty.server.core.cases import CaseRuleError, CaseState, Priority, Requestor, SendMode
from onduty.server.core.sla import ALWAYS, ClockKind, Target, Unit, parse_weekly
from onduty.server.store import ChatRecord, QueueRecord, Store, StoreError, open_store
from onduty.server.store.schema import MIGRATIONS
from onduty.server.store.schema_cases import CASES
from onduty.server.store.sql_cases import NewCase
from onduty.shared.types import BusinessContext, CallbackInfo, ChatState, RequestType, Role
from tests.store.backends import BACKENDS

T = 1_800_000_000.0


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> AsyncIterator[Store]:
    with BACKENDS[request.param](tmp_path) as url:
        s = open_store(url, ServerConfig(data_dir=tmp_path))
        await s.open()
        try:
            await _seed(s)
            yield s
        finally:
            await s.close()


async def _seed(s: Store) -> None:
    await s.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA"))
    await s.create_chat(ChatRecord(
        "c1", "cim-emea", ChatState.CLOSED, "Rita", RequestType.INFORMATIONAL, T, "rt",
        requestor_email="rita@example.com", context=(BusinessContext("order", "42", "Order 42"),),
    ))
    await s.append_message("c1", Role.REQUESTOR, "Rita", "my order is stuck", T + 1, "m1")
    await s.add_memo("c1", "ann", "Requestor: Rita", T + 2)


def new_case(chat_id: str | None = "c1", **kw: object) -> NewCase:
    base: dict[str, object] = {
        "title": "Order stuck", "description": "", "queue": "cim-emea", "priority": Priority.HIGH,
        "requestor": Requestor("Rita", "rita@example.com"), "created_by": "ann", "at": T + 10,
        "source": "chat:c1", "chat_id": chat_id,
    }
    base.update(kw)
    return NewCase(**base)  # type: ignore[arg-type]


async def test_cases_are_migration_3() -> None:
    assert MIGRATIONS[2] is CASES


async def test_a_case_from_a_chat_carries_its_transcript_memos_and_context(store: Store) -> None:
    case = await store.create_case(new_case(), "tok")
    assert (case.number, case.head.state, case.head.owner) == (1, CaseState.NEW, None)
    detail = await store.case_detail(case.number)
    assert detail is not None
    [chat] = detail.chats
    assert [m.text for m in chat.messages] == ["my order is stuck"]
    assert [m.text for m in chat.memos] == ["Requestor: Rita"]
    assert chat.record.context[0].id == "42"
    assert [(c.what, c.new) for c in detail.history] == [("created", "new"), ("chat_linked", "c1")]
    assert await store.case_of_chat("c1") == 1
    assert await store.case_by_token("tok") == 1
    with pytest.raises(StoreError, match="already part of case 1"):
        await store.create_case(new_case(), "tok2")
    assert await store.get_case(2) is None  # the refused case left nothing behind


async def test_rules_are_applied_inside_the_write(store: Store) -> None:
    case = await store.create_case(new_case(chat_id=None), "tok")
    changed, changes = await store.change_case(
        case.number, partial(rules.set_state, new=CaseState.CLOSED, actor="ann", at=T + 20), T + 20)
    assert changed.head.state is CaseState.CLOSED and len(changes) == 1
    with pytest.raises(CaseRuleError):
        await store.change_case(case.number, partial(rules.set_state, new=CaseState.IN_PROCESS, actor="ann",
                                                     at=T + 30), T + 30)
    with pytest.raises(StoreError):
        await store.change_case(99, partial(rules.set_priority, new=Priority.LOW, actor="ann", at=T), T)


async def test_external_info_sets_the_first_response_once_and_the_answer_reopens(store: Store) -> None:
    case = await store.create_case(new_case(chat_id=None), "tok")
    after, info = await store.add_external_info(case.number, SendMode.SAVE, "ann", "Ann", "We look into it", T + 60)
    assert (after.first_response_at, after.head.state, info.text) == (T + 60, CaseState.NEW, "We look into it")
    after, _ = await store.add_external_info(case.number, SendMode.SAVE_REPLY, "ann", "Ann", "Order id?", T + 90)
    assert (after.first_response_at, after.head.state) == (T + 60, CaseState.AWAITING_INFO)
    after, answer = await store.customer_answer(case.number, "It is 42", T + 120)
    assert after.head.state is CaseState.IN_PROCESS and answer.author == "customer"
    [(_, timeline)] = await store.open_cases()
    assert [s for _, s in timeline.states] == [CaseState.NEW, CaseState.AWAITING_INFO, CaseState.IN_PROCESS]


async def test_callbacks_without_a_case(store: Store) -> None:
    cb = CallbackInfo(0, "cim-emea", "Carla", "+49 30 1234", None, "call me", RequestType.SALES_ORDER, T)
    callback_id = await store.add_callback(cb, "shop")
    [(found_id, found)] = await store.callbacks_without_case()
    assert (found_id, found.name, await store.callback_site(found_id)) == (callback_id, "Carla", "shop")
    await store.create_case(new_case(chat_id=None, callback_id=callback_id), "tok")
    assert await store.callbacks_without_case() == []
    with pytest.raises(StoreError):
        await store.create_case(new_case(chat_id=None, callback_id=callback_id), "tok2")


async def test_sla_settings(store: Store) -> None:
    hours, targets = await store.sla_settings("cim-emea")
    assert hours.tz == "Europe/Berlin" and targets == {}
    await store.add_holiday("EMEA", date(2027, 12, 25), "Christmas")
    await store.set_target("*", ClockKind.IRT, Priority.LOW, Target(2, Unit.BUSINESS_DAYS))
    await store.set_target("cim-emea", ClockKind.IRT, Priority.LOW, Target(10))
    hours, targets = await store.sla_settings("cim-emea")
    assert date(2027, 12, 25) in hours.holidays
    assert targets == {(ClockKind.IRT, Priority.LOW): Target(10)}
    await store.set_hours("EMEA", ALWAYS)
    assert (await store.get_hours("EMEA")).always
    weekly = parse_weekly("mon-sat 08:00-20:00")
    await store.set_hours("APJ", type(ALWAYS)(tz="Asia/Tokyo", weekly=weekly))
    assert (await store.get_hours("APJ")).weekly == weekly
    assert await store.remove_holiday("EMEA", date(2027, 12, 25))
    with pytest.raises(StoreError):
        await store.set_target("nope", ClockKind.IRT, Priority.LOW, Target(1))


async def test_open_cases_come_in_pages_by_number(store: Store) -> None:
    numbers = [(await store.create_case(new_case(chat_id=None), f"tok{i}")).number for i in range(5)]
    first = await store.open_cases(0, 2)
    rest = await store.open_cases(first[-1][0].number, 10)
    assert [c.number for c, _ in first + rest] == numbers
    assert await store.open_cases(numbers[-1], 10) == []
