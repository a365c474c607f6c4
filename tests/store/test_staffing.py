"""Staffed hours and staffing alerts in the store (issue 17): the same on every backend."""

from __future__ import annotations

import pytest

from onduty.server.store.base import Store, StoreError
from onduty.server.store.records import QueueRecord, StaffingAlertRecord
from onduty.shared.types import CallbackInfo, RequestType
from tests.store.backends import Backend, MakeChat


@pytest.fixture
async def queues(store: Store) -> Store:
    for q in ("cim-apj", "cim-emea"):
        await store.add_queue(QueueRecord(name=q))
    return store


async def test_staffed_hours_round_trip_and_replace(queues: Store) -> None:
    assert await queues.staffed_hours() == {}
    await queues.set_staffed_hours("cim-apj", "mon-fri 08:00-20:00", "Asia/Singapore")
    await queues.set_staffed_hours("cim-emea", "off", "UTC")
    await queues.set_staffed_hours("cim-apj", "24x7", "UTC")
    assert await queues.staffed_hours() == {"cim-apj": ("24x7", "UTC"), "cim-emea": ("off", "UTC")}
    with pytest.raises(StoreError, match="unknown queue"):
        await queues.set_staffed_hours("nope", "24x7", "UTC")


async def test_service_goals_round_trip_and_replace(queues: Store) -> None:
    assert await queues.service_goals() == {}
    await queues.set_service_goal("cim-apj", 30.0, 0.9)
    await queues.set_service_goal("cim-emea", 20.0, 0.8)
    await queues.set_service_goal("cim-apj", 45.0, 0.75)
    assert await queues.service_goals() == {"cim-apj": (45.0, 0.75), "cim-emea": (20.0, 0.8)}
    with pytest.raises(StoreError, match="unknown queue"):
        await queues.set_service_goal("nope", 20.0, 0.8)


async def test_duty_hours_keep_the_most_seen_per_hour(queues: Store) -> None:
    await queues.note_duty_hour("cim-apj", 3600.0, 2, 1)
    await queues.note_duty_hour("cim-apj", 3600.0, 1, 2)  # fewer On Duty later in the hour: the most stays
    await queues.note_duty_hour("cim-apj", 7200.0, 0, 0)
    await queues.note_duty_hour("cim-emea", 3600.0, 5, 5)
    assert await queues.duty_hours("cim-apj", 0.0, 7200.0) == {3600.0: (2, 2)}
    assert await queues.duty_hours("cim-apj", 0.0, 1e9) == {3600.0: (2, 2), 7200.0: (0, 0)}
    with pytest.raises(StoreError, match="unknown queue"):
        await queues.note_duty_hour("nope", 3600.0, 1, 1)


async def test_an_alert_is_stored_from_start_to_end(queues: Store) -> None:
    first = await queues.open_alert("cim-apj", "nobody_on_duty", 100.0)
    assert await queues.open_alerts() == [StaffingAlertRecord(first, "cim-apj", "nobody_on_duty", 100.0)]
    await queues.close_alert(first, 160.0)
    await queues.close_alert(first, 999.0)  # the first end stays
    assert await queues.open_alerts() == []
    second = await queues.open_alert("cim-apj", "nobody_routable", 200.0)
    assert second != first
    found = await queues.alerts(["cim-apj"], 0.0, 1000.0)
    assert found == [StaffingAlertRecord(first, "cim-apj", "nobody_on_duty", 100.0, 160.0),
                     StaffingAlertRecord(second, "cim-apj", "nobody_routable", 200.0)]
    assert found[0].duration_s(1000.0) == 60.0
    assert found[1].duration_s(1000.0) == 800.0


async def test_alerts_overlapping_a_period(queues: Store) -> None:
    a = await queues.open_alert("cim-apj", "nobody_on_duty", 100.0)
    await queues.close_alert(a, 200.0)
    b = await queues.open_alert("cim-emea", "nobody_on_duty", 150.0)
    assert [x.alert_id for x in await queues.alerts(["cim-apj", "cim-emea"], 190.0, 300.0)] == [a, b]
    assert [x.alert_id for x in await queues.alerts(["cim-apj"], 200.0, 300.0)] == []
    assert [x.alert_id for x in await queues.alerts(["cim-emea"], 0.0, 150.0)] == []
    assert [x.alert_id for x in await queues.alerts(["cim-emea"], 0.0, 151.0)] == [b]
    assert await queues.alerts([], 0.0, 1e12) == []


async def test_one_open_alert_per_queue_and_bad_alerts_refused(queues: Store) -> None:
    await queues.open_alert("cim-apj", "nobody_on_duty", 100.0)
    with pytest.raises(StoreError, match="open staffing alert already"):
        await queues.open_alert("cim-apj", "nobody_routable", 110.0)
    with pytest.raises(StoreError, match="unknown queue"):
        await queues.open_alert("nope", "nobody_on_duty", 100.0)
    with pytest.raises(StoreError, match="kind"):
        await queues.open_alert("cim-emea", "sunspots", 100.0)
    with pytest.raises(StoreError, match="unknown staffing alert"):
        await queues.close_alert(424242, 1.0)
    assert [x.queue for x in await queues.open_alerts()] == ["cim-apj"]


async def test_open_alerts_survive_a_restart(backend: Backend, queues: Store) -> None:
    alert = await queues.open_alert("cim-emea", "nobody_on_duty", 5.0)
    again = backend.make()
    await again.open()
    try:
        assert [x.alert_id for x in await again.open_alerts()] == [alert]
    finally:
        await again.close()


async def test_chats_and_callbacks_of_a_period(queues: Store, make_chat: MakeChat) -> None:
    for chat_id, queue, at in (("a", "cim-apj", 100.0), ("b", "cim-apj", 200.0), ("c", "cim-emea", 150.0),
                               ("d", "cim-apj", 300.0)):
        await queues.create_chat(make_chat(chat_id, queue=queue, requested_at=at))
    assert [c.chat_id for c in await queues.chats_requested("cim-apj", 100.0, 300.0)] == ["a", "b"]
    for at in (120.0, 400.0):
        await queues.add_callback(CallbackInfo(callback_id=0, queue="cim-apj", name="Rita", phone="+1", email=None,
                                               text="call me", request_type=RequestType.OTHER, created_at=at), None)
    assert await queues.callbacks_created("cim-apj", 0.0, 400.0) == [120.0]
