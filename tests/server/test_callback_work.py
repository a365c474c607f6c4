"""Agents act on callback requests: claim (seen by the queue's others, live), done with an outcome, lapse."""

from __future__ import annotations

from pathlib import Path

import pytest

from onduty.server.shell.callback_work import CALLBACK_WATCH
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    CallbackList,
    CallbackSaved,
    CallbackUpdate,
    ClaimCallback,
    Error,
    FinishCallback,
    Hello,
    LeaveCallback,
    ListCallbacks,
    Login,
    LoginOk,
    QueueStatus,
    Welcome,
)
from onduty.shared.types import CallbackOutcome

from .conftest import agent_on_duty
from .harness import PASSWORD, Harness, Wire


async def _leave(harness: Harness, queue: str = "cim-emea") -> int:
    rita = await harness.connect("/ws/requestor")
    await rita.send(LeaveCallback(queue=queue, name="Rita", text="Please call", phone="+49 6227 7-47474"))
    return (await rita.expect(CallbackSaved)).callback_id


async def _status(wire: Wire, callbacks: int) -> QueueStatus:
    return await wire.until(QueueStatus, lambda s: s.queue == "cim-emea" and s.callbacks == callbacks)


async def test_a_claim_is_seen_by_the_queues_agents_and_done_takes_it_off_the_open_list(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    bob, _ = await agent_on_duty(harness, "bob")
    number = await _leave(harness)
    await _status(ann, 1)
    await _status(bob, 1)

    await ann.send(ClaimCallback(callback_id=number, req="c1"))
    mine = await ann.until(CallbackUpdate, lambda u: u.req == "c1")
    assert (mine.item.callback_id, mine.item.claimed_by) == (number, "ann")
    assert mine.item.claimed_until == harness.clock.now + harness.config.callback_claim_s
    seen = await bob.until(CallbackUpdate)
    assert (seen.req, seen.item.claimed_by) == (None, "ann")
    await _status(bob, 0)  # claimed: no longer open

    await bob.send(ClaimCallback(callback_id=number, req="c2"))
    refused = await bob.until(Error)
    assert (refused.code, refused.req) == (ErrorCode.CALLBACK_CLAIMED, "c2")
    assert "ann" in (refused.detail or "")

    await ann.send(FinishCallback(callback_id=number, outcome=CallbackOutcome.REACHED, note="sorted out", req="d1"))
    done = (await ann.until(CallbackUpdate, lambda u: u.req == "d1")).item
    assert (done.outcome, done.note, done.done_by) == (CallbackOutcome.REACHED, "sorted out", "ann")
    assert (await bob.until(CallbackUpdate, lambda u: u.item.done_at is not None)).item == done

    await bob.send(ListCallbacks(req="l1"))
    assert (await bob.until(CallbackList)).items == []
    await bob.send(ListCallbacks(done=True, req="l2"))
    assert (await bob.until(CallbackList)).items == [done]
    await bob.send(FinishCallback(callback_id=number, outcome=CallbackOutcome.NO_ANSWER, req="d2"))
    assert (await bob.until(Error)).code is ErrorCode.CALLBACK_DONE


async def test_unknown_callbacks_and_other_queues_are_refused(harness: Harness) -> None:
    carl, _ = await agent_on_duty(harness, "carl")  # cic only
    number = await _leave(harness, "cim-emea")
    await carl.send(ClaimCallback(callback_id=number, req="a"))
    assert ((e := await carl.until(Error)).code, e.req) == (ErrorCode.NOT_ALLOWED, "a")
    await carl.send(FinishCallback(callback_id=number + 100, outcome=CallbackOutcome.REACHED, req="b"))
    assert ((e := await carl.until(Error)).code, e.req) == (ErrorCode.UNKNOWN_CALLBACK, "b")
    stored = await harness.shell.store.get_callback(number)
    assert stored is not None and stored.claimed_by is None


@pytest.fixture
def harness_short_claims(tmp_path: Path) -> Harness:
    return Harness(tmp_path / "data", callback_claim_s=600.0)


async def test_a_claim_left_untouched_goes_back_to_open_by_itself(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    bob, _ = await agent_on_duty(harness, "bob")
    number = await _leave(harness)
    await _status(bob, 1)
    await ann.send(ClaimCallback(callback_id=number))
    await ann.until(CallbackUpdate)
    await _status(bob, 0)
    watch = harness.app[CALLBACK_WATCH] if harness.app is not None else None
    assert watch is not None

    harness.clock.advance(harness.config.callback_claim_s - 1)
    assert await watch.sweep() == []
    harness.clock.advance(1)
    [released] = await watch.sweep()
    assert (released.callback_id, released.claimed_by) == (number, None)
    back = await bob.until(CallbackUpdate, lambda u: u.item.claimed_by is None)
    assert back.item.callback_id == number
    await _status(bob, 1)
    await bob.send(ClaimCallback(callback_id=number, req="mine"))
    assert (await bob.until(CallbackUpdate, lambda u: u.req == "mine")).item.claimed_by == "bob"


async def test_the_claim_time_is_a_server_setting(harness_short_claims: Harness) -> None:
    harness = harness_short_claims
    await harness.seed()
    await harness.start()
    try:
        ann, _ = await agent_on_duty(harness, "ann")
        number = await _leave(harness)
        await ann.send(ClaimCallback(callback_id=number, req="c"))
        item = (await ann.until(CallbackUpdate, lambda u: u.req == "c")).item
        assert item.claimed_until == harness.clock.now + 600.0
    finally:
        await harness.close()


async def test_a_protocol_2_tray_app_lists_callbacks_without_the_claim_fields(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    number = await _leave(harness)
    await ann.send(ClaimCallback(callback_id=number, req="c"))
    await ann.until(CallbackUpdate, lambda u: u.req == "c")
    old = await harness.connect("/ws/agent", hello=False)
    await old.send(Hello(protocol=2, client="tray 0.1"))
    await old.expect(Welcome)
    await old.send(Login(username="bob", password=PASSWORD))
    await old.expect(LoginOk)
    await old.send(ListCallbacks())
    [item] = (await old.until(CallbackList)).items
    assert (item.callback_id, item.claimed_by, item.claimed_until) == (number, None, None)  # its decoder knows none
