"""Callback and e-mail requests left in the widget become New cases of their queue (seed 004)."""

from __future__ import annotations

from onduty.server.store.sqlite import SqliteStore
from onduty.shared.messages import CallbackSaved, LeaveCallback
from onduty.shared.types import BusinessContext, CallbackInfo, RequestType

from ..server.harness import Harness
from .conftest import START, login


async def test_a_callback_request_becomes_a_new_case_in_its_queue(harness: Harness) -> None:
    _w, api = await login(harness, "ann")
    rita = await harness.connect("/ws/requestor")
    basket = BusinessContext(kind="basket", id="b-7", title="Basket")
    await rita.send(LeaveCallback(queue="cim-emea", name="Rita", text="Please call about my order\nthanks",
                                  phone="+49 6227 7-47474", request_type=RequestType.SALES_ORDER, context=[basket]))
    saved = await rita.expect(CallbackSaved)

    status, listed = await api.get("/api/cases")
    assert status == 200
    [case] = listed["cases"]
    assert case["callback_id"] == saved.callback_id
    assert (case["title"], case["state"], case["priority"], case["queue"], case["created_by"]) == (
        "Call-back request: Please call about my order", "new", "medium", "cim-emea", "system")
    assert case["requestor"]["phone"] == "+49 6227 7-47474"
    assert case["description"] == "Please call about my order\nthanks\nbasket b-7 Basket"
    assert case["sla"]["irt"]["status"] == "running"


async def test_callbacks_stored_before_cases_existed_are_converted_at_startup(harness: Harness) -> None:
    await harness.stop()
    store = SqliteStore(harness.config.db_path)
    await store.open()
    try:
        info = CallbackInfo(0, "cim-emea", "Erik", None, "erik@example.com", "write to me", RequestType.OTHER, START)
        callback_id = await store.add_callback(info, None)
    finally:
        await store.close()
    await harness.start()
    _w, api = await login(harness, "ann")
    _, listed = await api.get("/api/cases")
    assert [(c["callback_id"], c["title"], c["requestor"]["email"]) for c in listed["cases"]] == [
        (callback_id, "E-mail request: write to me", "erik@example.com")]
    await harness.stop()
    await harness.start()  # converted once, not again
    _w, api = await login(harness, "ann")
    _, listed = await api.get("/api/cases")
    assert len(listed["cases"]) == 1
