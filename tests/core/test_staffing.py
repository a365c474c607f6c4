"""Erlang C staffing advice against textbook values and an independent exact computation."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onduty.server.core.staffing import agents_needed, erlang_b, predict, traffic


def exact_erlang_c(agents: int, erlangs: Fraction) -> Fraction:
    """The textbook formula with factorials, in exact fractions (only for small loads)."""
    top = erlangs ** agents / math.factorial(agents) * Fraction(agents) / (agents - erlangs)
    return top / (sum(erlangs ** k / math.factorial(k) for k in range(agents)) + top)


def test_worked_example_100_calls_per_half_hour() -> None:
    """The worked example most Erlang C introductions use (e.g. Call Centre Helper's "Erlang C formula made
    simple"): 100 calls in 30 minutes, 180 s handle time, 80 % to be answered within 20 s. Traffic 10 Erlangs;
    13 agents reach 79.6 % only, 14 agents give P(wait) 17.4 %, service level 88.8 %, mean wait 7.8 s."""
    assert traffic(200, 180) == 10.0
    best = agents_needed(200, 180, 20, 0.8)
    assert best.agents == 14
    assert best.p_wait == pytest.approx(0.1741, abs=5e-5)
    assert best.service_level == pytest.approx(0.8884, abs=5e-5)
    assert best.mean_wait_s == pytest.approx(7.84, abs=5e-3)
    assert best.occupancy == pytest.approx(10 / 14)
    thirteen = predict(13, 200, 180, 20)
    assert thirteen.service_level == pytest.approx(0.7956, abs=5e-5)
    assert thirteen.p_wait == pytest.approx(0.2853, abs=5e-5)


@pytest.mark.parametrize(("agents", "erlangs"), [(1, Fraction(1, 2)), (2, Fraction(1)), (5, Fraction(4)),
                                                 (11, Fraction(10)), (30, Fraction(25)), (60, Fraction(51, 2))])
def test_matches_the_exact_formula(agents: int, erlangs: Fraction) -> None:
    handle = 300.0
    arrivals = float(erlangs) * 3600 / handle
    got = predict(agents, arrivals, handle, 30)
    c = float(exact_erlang_c(agents, erlangs))
    assert got.p_wait == pytest.approx(c, rel=1e-9)
    assert got.mean_wait_s == pytest.approx(c * handle / (agents - float(erlangs)), rel=1e-9)
    assert got.service_level == pytest.approx(1 - c * math.exp(-(agents - float(erlangs)) * 30 / handle), rel=1e-9)


def test_erlang_b_small_values() -> None:
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)


def test_large_loads_stay_finite() -> None:
    """5000 Erlangs: A^N / N! would overflow a float long before; the recursion does not."""
    big = agents_needed(180_000, 100, 20, 0.9)
    assert 5000 < big.agents < 5100
    assert 0 < big.p_wait < 1
    assert math.isfinite(big.mean_wait_s)
    assert big.service_level >= 0.9
    assert predict(big.agents - 1, 180_000, 100, 20).service_level < 0.9


def test_too_few_agents_never_catch_up() -> None:
    p = predict(10, 200, 180, 20)
    assert (p.p_wait, p.service_level, p.mean_wait_s) == (1.0, 0.0, math.inf)
    assert p.as_dict()["mean_wait_s"] is None


def test_no_arrivals_need_no_agent() -> None:
    p = agents_needed(0, 180, 20, 0.8)
    assert (p.agents, p.p_wait, p.service_level) == (0, 0.0, 1.0)


@pytest.mark.parametrize(("args", "match"), [
    ((200, 0, 20, 0.8), "handle time"), ((-1, 180, 20, 0.8), "arrivals"), ((200, 180, -1, 0.8), "target"),
    ((200, 180, 20, 1.0), "fraction"), ((200, 180, 20, 80), "fraction"), ((math.nan, 180, 20, 0.8), "arrivals"),
])
def test_bad_input_is_refused(args: tuple[float, float, float, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        agents_needed(*args)


loads = st.floats(min_value=0.1, max_value=400.0)
handles = st.floats(min_value=10.0, max_value=3600.0)
targets = st.floats(min_value=0.0, max_value=600.0)


@settings(max_examples=200, deadline=None)
@given(erlangs=loads, handle=handles, target=targets, extra=st.integers(min_value=1, max_value=50))
def test_more_agents_never_make_it_worse(erlangs: float, handle: float, target: float, extra: int) -> None:
    arrivals = erlangs * 3600 / handle
    n = math.floor(erlangs) + extra
    fewer, more = predict(n, arrivals, handle, target), predict(n + 1, arrivals, handle, target)
    assert more.p_wait <= fewer.p_wait + 1e-12
    assert more.mean_wait_s <= fewer.mean_wait_s + 1e-9
    assert more.service_level >= fewer.service_level - 1e-12
    assert 0.0 <= fewer.p_wait <= 1.0
    assert 0.0 <= fewer.service_level <= 1.0


@settings(max_examples=200, deadline=None)
@given(erlangs=loads, handle=handles, target=targets, goal=st.floats(min_value=0.05, max_value=0.99))
def test_the_advice_is_the_smallest_that_reaches_the_goal(erlangs: float, handle: float, target: float,
                                                          goal: float) -> None:
    arrivals = erlangs * 3600 / handle
    best = agents_needed(arrivals, handle, target, goal)
    assert best.agents > erlangs
    assert best.service_level >= goal
    assert predict(best.agents - 1, arrivals, handle, target).service_level < goal
    # a longer target or a lower goal never needs more agents
    assert agents_needed(arrivals, handle, target + 10, goal).agents <= best.agents
    assert agents_needed(arrivals, handle, target, goal / 2).agents <= best.agents
