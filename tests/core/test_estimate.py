"""The waiting estimate shown to requestors follows the queue's recent pace."""

from __future__ import annotations

from onduty.server.core.estimate import WaitEstimator


def test_no_estimate_before_the_queue_has_a_pace() -> None:
    est = WaitEstimator()
    assert est.estimate("q", 1, now=0.0) is None
    est.assigned("q", 10.0)
    assert est.estimate("q", 1, now=11.0) is None


def test_estimate_is_the_mean_gap_times_the_place_in_line() -> None:
    est = WaitEstimator()
    for at in (0.0, 30.0, 60.0):
        est.assigned("q", at)
    assert est.estimate("q", 1, now=61.0) == 30.0
    assert est.estimate("q", 3, now=61.0) == 90.0
    assert est.estimate("other", 1, now=61.0) is None


def test_a_long_pause_since_the_last_assignment_raises_the_estimate() -> None:
    est = WaitEstimator()
    est.assigned("q", 0.0)
    est.assigned("q", 10.0)
    assert est.estimate("q", 2, now=70.0) == 120.0


def test_only_the_recent_window_counts() -> None:
    est = WaitEstimator(window=3)
    for at in (0.0, 1000.0, 1010.0, 1020.0):
        est.assigned("q", at)
    assert est.estimate("q", 1, now=1020.0) == 10.0
