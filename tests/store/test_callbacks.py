"""Callback requests on every store: claims and outcomes, lapsed claims, open counts."""

from __future__ import annotations

import asyncio
from functools import partial

import pytest

from onduty.server.core import callbacks as rules
from onduty.server.store import Store
from onduty.server.store.records import QueueRecord
from onduty.shared.types import CallbackInfo, CallbackOutcome, RequestType


def _callback(queue: str = "q1", name: str = "Rita", at: float = 100.0) -> CallbackInfo:
    return CallbackInfo(callback_id=0, queue=queue, name=name, phone="+49 1234 5678", email=None, text="call me",
                        request_type=RequestType.OTHER, created_at=at)


@pytest.fixture
async def queues(store: Store) -> Store:
    await store.add_queue(QueueRecord(name="q1", title="Queue one"))
    await store.add_queue(QueueRecord(name="q2", title="Queue two"))
    return store


async def test_a_claim_and_an_outcome_are_stored_and_listed(queues: Store) -> None:
    store = queues
    first = await store.add_callback(_callback(name="Rita"), None)
    second = await store.add_callback(_callback(name="Rosa", at=200.0), None)
    assert await store.count_callbacks(300.0) == {"q1": 2}

    claimed = await store.change_callback(first, partial(rules.claim, agent="ann", now=300.0, claim_s=60.0))
    assert claimed is not None and (claimed.claimed_by, claimed.claimed_until) == ("ann", 360.0)
    assert await store.get_callback(first) == claimed
    assert await store.count_callbacks(300.0) == {"q1": 1}
    assert await store.count_callbacks(360.0) == {"q1": 2}  # the claim lapsed: open again

    done = await store.change_callback(second, partial(rules.finish, agent="bob", outcome=CallbackOutcome.WRONG_NUMBER,
                                                       note="no such number", now=310.0))
    assert done is not None and (done.outcome, done.note, done.done_by) == (CallbackOutcome.WRONG_NUMBER,
                                                                            "no such number", "bob")
    assert await store.count_callbacks(310.0) == {}
    assert [c.callback_id for c in await store.list_callbacks(["q1"])] == [first]
    listed = await store.list_callbacks(["q1"], done=True)
    assert listed == [done, claimed]  # newest first, with what was stored


async def test_a_refused_change_stores_nothing_and_an_unknown_id_is_none(queues: Store) -> None:
    store = queues
    number = await store.add_callback(_callback(), None)
    claimed = await store.change_callback(number, partial(rules.claim, agent="ann", now=300.0, claim_s=60.0))
    with pytest.raises(rules.CallbackRefused) as refused:
        await store.change_callback(number, partial(rules.claim, agent="bob", now=301.0, claim_s=60.0))
    assert refused.value.refusal is rules.Refusal.CLAIMED
    assert await store.get_callback(number) == claimed
    assert await store.get_callback(9999) is None
    assert await store.change_callback(9999, partial(rules.claim, agent="bob", now=301.0, claim_s=60.0)) is None


async def test_two_agents_claiming_at_once_one_wins(queues: Store) -> None:
    store = queues
    number = await store.add_callback(_callback(), None)
    results = await asyncio.gather(
        *(store.change_callback(number, partial(rules.claim, agent=a, now=300.0, claim_s=60.0))
          for a in ("ann", "bob")),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, CallbackInfo)]
    lost = [r for r in results if isinstance(r, rules.CallbackRefused)]
    assert len(won) == 1 and len(lost) == 1
    stored = await store.get_callback(number)
    assert stored is not None and stored.claimed_by == won[0].claimed_by


async def test_lapsed_claims_are_released_and_done_ones_are_kept(queues: Store) -> None:
    store = queues
    early = await store.add_callback(_callback(), None)
    late = await store.add_callback(_callback(queue="q2"), None)
    done = await store.add_callback(_callback(), None)
    await store.change_callback(early, partial(rules.claim, agent="ann", now=100.0, claim_s=60.0))
    await store.change_callback(late, partial(rules.claim, agent="bob", now=150.0, claim_s=60.0))
    await store.change_callback(done, partial(rules.finish, agent="ann", outcome=CallbackOutcome.REACHED, note=None,
                                              now=100.0))
    released = await store.release_lapsed_callbacks(160.0)
    assert [(c.callback_id, c.claimed_by, c.claimed_until) for c in released] == [(early, None, None)]
    assert await store.release_lapsed_callbacks(160.0) == []
    stored = await store.get_callback(early)
    assert stored is not None and stored.claimed_by is None
    still = await store.get_callback(late)
    assert still is not None and still.claimed_by == "bob"
    assert await store.count_callbacks(160.0) == {"q1": 1}
