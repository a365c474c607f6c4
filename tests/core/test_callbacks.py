"""The rules of working on callback requests: claim, lapse, done (pure, no store)."""

from __future__ import annotations

import pytest

from onduty.server.core import callbacks as rules
from onduty.shared.types import CallbackInfo, CallbackOutcome, RequestType

OPEN = CallbackInfo(callback_id=7, queue="cim-emea", name="Rita", phone="+49 1234 5678", email=None, text="call me",
                    request_type=RequestType.OTHER, created_at=100.0)


def test_a_claim_holds_for_its_time_then_the_request_is_open_again() -> None:
    claimed = rules.claim(OPEN, "ann", now=1000.0, claim_s=1800.0)
    assert (claimed.claimed_by, claimed.claimed_at, claimed.claimed_until) == ("ann", 1000.0, 2800.0)
    assert not rules.is_open(claimed, 2799.0) and rules.live_claim(claimed, 2799.0) == "ann"
    assert rules.is_open(claimed, 2800.0) and rules.lapsed(claimed, 2800.0)
    assert rules.state_text(claimed, 2000.0) == "claimed by ann"
    assert rules.state_text(claimed, 2800.0) == "open"


def test_another_agent_cannot_claim_or_finish_a_live_claim_but_may_after_it_lapsed() -> None:
    claimed = rules.claim(OPEN, "ann", now=1000.0, claim_s=60.0)
    with pytest.raises(rules.CallbackRefused) as refused:
        rules.claim(claimed, "bob", now=1059.0, claim_s=60.0)
    assert refused.value.refusal is rules.Refusal.CLAIMED and "by ann" in str(refused.value)
    with pytest.raises(rules.CallbackRefused):
        rules.finish(claimed, "bob", CallbackOutcome.REACHED, None, now=1059.0)
    assert rules.claim(claimed, "bob", now=1060.0, claim_s=60.0).claimed_by == "bob"


def test_claiming_again_renews_ones_own_claim() -> None:
    claimed = rules.claim(OPEN, "ann", now=1000.0, claim_s=60.0)
    assert rules.claim(claimed, "ann", now=1050.0, claim_s=60.0).claimed_until == 1110.0


def test_done_is_final_and_keeps_outcome_note_and_who() -> None:
    claimed = rules.claim(OPEN, "ann", now=1000.0, claim_s=60.0)
    done = rules.finish(claimed, "ann", CallbackOutcome.NO_ANSWER, "  rang twice  ", now=1010.0)
    assert (done.done_by, done.done_at, done.outcome, done.note) == ("ann", 1010.0, CallbackOutcome.NO_ANSWER,
                                                                      "rang twice")
    assert (done.claimed_by, done.claimed_at, done.claimed_until) == ("ann", 1000.0, None)
    assert not rules.is_open(done, 99_999.0) and not rules.lapsed(done, 99_999.0)
    assert rules.state_text(done, 2000.0) == "done: no_answer by ann"
    for again in (lambda: rules.claim(done, "bob", 2000.0, 60.0),
                  lambda: rules.finish(done, "ann", CallbackOutcome.REACHED, None, 2000.0)):
        with pytest.raises(rules.CallbackRefused) as refused:
            again()
        assert refused.value.refusal is rules.Refusal.DONE


def test_an_open_request_may_be_finished_straight_away() -> None:
    done = rules.finish(OPEN, "bob", CallbackOutcome.MAILED, "", now=500.0)
    assert (done.claimed_by, done.claimed_at, done.done_by, done.note) == ("bob", 500.0, "bob", None)
