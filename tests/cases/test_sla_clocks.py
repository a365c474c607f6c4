"""IRT / ORT clocks with an injected clock, business hours and holidays (seed 003), without I/O."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onduty.server.core.cases import CaseState, Priority
from onduty.server.core.sla import (
    ALWAYS,
    BusinessHours,
    ClockKind,
    ClockStatus,
    SlaConfigError,
    SlaPolicy,
    Target,
    Timeline,
    Unit,
    add_business,
    business_seconds,
    clocks,
    parse_weekly,
    weekdays_hours,
)

BERLIN = ZoneInfo("Europe/Berlin")
H = 3600.0
EMEA = weekdays_hours("Europe/Berlin")  # Mon-Fri 09:00-17:00


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> float:
    """March 2027 in Berlin: the 1st is a Monday, the 5th a Friday, the 28th the switch to summer time."""
    return datetime(2027, month, day, hour, minute, tzinfo=BERLIN).timestamp()


def policy(hours: BusinessHours = EMEA, warn: float = 900.0) -> SlaPolicy:
    return SlaPolicy(hours=hours, warn_before_s=warn)


def test_march_2027_calendar_assumptions() -> None:
    assert date(2027, 3, 1).weekday() == 0
    assert date(2027, 3, 5).weekday() == 4


# ---- IRT -------------------------------------------------------------------------------


def test_irt_stops_at_the_first_qualified_response_only() -> None:
    created = at(1, 10)
    moved = Timeline(created, ((created, CaseState.NEW), (at(1, 11), CaseState.IN_PROCESS)))
    irt, _ = clocks(moved, Priority.HIGH, policy(), at(1, 12))
    assert irt.status is ClockStatus.RUNNING  # a state change is no response to the customer
    assert irt.elapsed_s == 2 * H
    assert irt.remaining_s == 2 * H
    assert irt.due_at == at(1, 14)

    answered = Timeline(created, moved.states, first_response_at=at(1, 12, 30))
    for now in (at(1, 12, 30), at(1, 16), at(9, 9)):
        irt, _ = clocks(answered, Priority.HIGH, policy(), now)
        assert irt.status is ClockStatus.STOPPED
        assert irt.elapsed_s == 2.5 * H
        assert irt.breached_at is None and irt.due_at is None and not irt.warning


def test_irt_breach_is_recorded_at_the_business_time_it_happened() -> None:
    created = at(1, 16, 30)
    timeline = Timeline(created, ((created, CaseState.NEW),))
    irt, _ = clocks(timeline, Priority.VERY_HIGH, policy(), at(2, 9, 45))
    assert irt.elapsed_s == 1.25 * H  # 16:30-17:00 and 09:00-09:45
    assert irt.breached_at == at(2, 9, 30)
    assert irt.remaining_s == -0.25 * H
    assert not irt.warning
    late, _ = clocks(Timeline(created, timeline.states, at(2, 10)), Priority.VERY_HIGH, policy(), at(3, 9))
    assert late.status is ClockStatus.STOPPED and late.breached_at == at(2, 9, 30)


def test_nights_weekends_and_holidays_do_not_count() -> None:
    created = at(5, 16)  # Friday 16:00; Medium: one business day = 8 h
    timeline = Timeline(created, ((created, CaseState.NEW),))
    irt, _ = clocks(timeline, Priority.MEDIUM, policy(), at(8, 8))
    assert irt.elapsed_s == 1 * H
    assert irt.due_at == at(8, 16)
    easter = BusinessHours(tz=EMEA.tz, weekly=EMEA.weekly, holidays=frozenset({date(2027, 3, 8)}))
    irt, _ = clocks(timeline, Priority.MEDIUM, policy(easter), at(8, 12))
    assert irt.elapsed_s == 1 * H
    assert irt.due_at == at(9, 16)
    low, _ = clocks(timeline, Priority.LOW, policy(easter), at(8, 12))
    assert low.target_s == 24 * H and low.due_at == at(11, 16)  # Tue, Wed, Thu (Mon is a holiday)


def test_a_24x7_queue_counts_every_second() -> None:
    created = at(5, 16)
    irt, _ = clocks(Timeline(created, ((created, CaseState.NEW),)), Priority.MEDIUM, policy(ALWAYS), at(6, 4))
    assert irt.target_s == 24 * H
    assert irt.elapsed_s == 12 * H
    assert irt.due_at == at(6, 16)


# ---- ORT -------------------------------------------------------------------------------


def seed_003_timeline(answer_at: float | None) -> Timeline:
    """Created Mon 09:00, In Process at 09:30, Save at 10:00 (no state change), Save Reply at 11:00."""
    states = [(at(1, 9), CaseState.NEW), (at(1, 9, 30), CaseState.IN_PROCESS), (at(1, 11), CaseState.AWAITING_INFO)]
    if answer_at is not None:
        states.append((answer_at, CaseState.IN_PROCESS))
    return Timeline(at(1, 9), tuple(states), first_response_at=at(1, 10))


def test_ort_keeps_running_after_save() -> None:
    irt, ort = clocks(seed_003_timeline(None), Priority.HIGH, policy(), at(1, 10, 30))
    assert irt.status is ClockStatus.STOPPED and irt.elapsed_s == 1 * H
    assert ort.status is ClockStatus.RUNNING
    assert ort.elapsed_s == 1.5 * H


def test_ort_pauses_while_awaiting_info_after_save_reply() -> None:
    for now in (at(1, 11), at(1, 15), at(2, 16)):
        _, ort = clocks(seed_003_timeline(None), Priority.HIGH, policy(), now)
        assert ort.status is ClockStatus.PAUSED
        assert ort.elapsed_s == 2 * H
        assert ort.due_at is None and not ort.warning and ort.breached_at is None


def test_ort_resumes_on_the_customers_answer_with_what_it_had_used() -> None:
    _, ort = clocks(seed_003_timeline(at(2, 10)), Priority.HIGH, policy(), at(2, 12))
    assert ort.status is ClockStatus.RUNNING
    assert ort.elapsed_s == 4 * H  # 09:00-11:00 Monday, 10:00-12:00 Tuesday
    assert ort.remaining_s == 4 * H  # High: one business day
    assert ort.due_at == at(2, 16)


def test_ort_stops_when_solved() -> None:
    timeline = seed_003_timeline(at(2, 10))
    timeline = Timeline(timeline.created_at, (*timeline.states, (at(2, 11), CaseState.SOLVED)), at(1, 10))
    _, ort = clocks(timeline, Priority.HIGH, policy(), at(4, 12))
    assert ort.status is ClockStatus.STOPPED and ort.elapsed_s == 3 * H and ort.due_at is None


def test_irt_of_a_case_closed_without_a_response_stops_at_the_close() -> None:
    t = Timeline(at(1, 9), ((at(1, 9), CaseState.NEW), (at(1, 10), CaseState.CLOSED)))
    irt, ort = clocks(t, Priority.LOW, policy(), at(9, 9))
    assert (irt.status, irt.elapsed_s) == (ClockStatus.STOPPED, 1 * H)
    assert (ort.status, ort.elapsed_s) == (ClockStatus.STOPPED, 1 * H)


# ---- warnings ----------------------------------------------------------------------------


def test_breach_warning_at_the_configured_lead_time() -> None:
    created = at(1, 9)
    timeline = Timeline(created, ((created, CaseState.NEW),))
    assert not clocks(timeline, Priority.VERY_HIGH, policy(warn=900), at(1, 9, 44))[0].warning
    warned, _ = clocks(timeline, Priority.VERY_HIGH, policy(warn=900), at(1, 9, 45))
    assert warned.warning and warned.breached_at is None and warned.due_at == at(1, 10)
    assert clocks(timeline, Priority.VERY_HIGH, policy(warn=1800), at(1, 9, 30))[0].warning
    breached, _ = clocks(timeline, Priority.VERY_HIGH, policy(warn=900), at(1, 10, 1))
    assert not breached.warning and breached.breached_at == at(1, 10)


def test_warning_lead_counts_business_time() -> None:
    created = at(5, 9)  # Friday; High IRT 4 h would be due Friday 13:00
    timeline = Timeline(created, ((created, CaseState.NEW),))
    pol = SlaPolicy(hours=EMEA, targets={(ClockKind.IRT, Priority.HIGH): Target(8.25)}, warn_before_s=900)
    irt, _ = clocks(timeline, Priority.HIGH, pol, at(5, 17))
    assert irt.warning and irt.due_at == at(8, 9, 15)  # 15 business minutes left, over the weekend


def test_targets_per_priority_and_unit() -> None:
    pol = SlaPolicy(hours=EMEA, targets={(ClockKind.ORT, Priority.LOW): Target(2, Unit.BUSINESS_DAYS)})
    assert pol.target(ClockKind.ORT, Priority.LOW).seconds(EMEA) == 16 * H
    assert pol.target(ClockKind.IRT, Priority.VERY_HIGH).seconds(EMEA) == 1 * H  # default
    assert pol.target(ClockKind.IRT, Priority.MEDIUM).seconds(ALWAYS) == 24 * H
    with pytest.raises(SlaConfigError):
        Target(0)


# ---- business hours ---------------------------------------------------------------------


def test_daylight_saving_day_has_23_hours() -> None:
    sundays = BusinessHours(tz="Europe/Berlin", weekly=parse_weekly("sun 00:00-24:00"))
    assert business_seconds(sundays, at(27, 0), at(29, 0)) == 23 * H
    assert add_business(sundays, at(28, 0), 23 * H) == at(29, 0)


def test_parse_weekly_hours() -> None:
    weekly = parse_weekly("mon-fri 08:00-12:00, 13:00-17:00; sat 10:00-14:00")
    assert weekly[0] == ((480, 720), (780, 1020))
    assert weekly[5] == ((600, 840),) and weekly[6] == ()
    assert BusinessHours(tz="UTC", weekly=weekly).day_seconds == 8 * H
    for bad in ("xyz 09:00-17:00", "fri-mon 09:00-17:00", "mon 9-17", "mon 25:00-26:00"):
        with pytest.raises(SlaConfigError):
            parse_weekly(bad)
    with pytest.raises(SlaConfigError):
        BusinessHours(tz="UTC", weekly=parse_weekly("mon 10:00-12:00, 11:00-13:00"))
    with pytest.raises(SlaConfigError):
        BusinessHours(tz="Mars/Olympus", weekly=weekly)
    with pytest.raises(SlaConfigError):
        BusinessHours(tz="UTC")  # never open


# ---- properties ------------------------------------------------------------------------------

START = at(1, 0)
instants = st.floats(min_value=START, max_value=START + 40 * 86400, allow_nan=False)
calendars = st.sampled_from([EMEA, ALWAYS, weekdays_hours("America/New_York", "08:30", "18:00"),
                             BusinessHours(tz="Asia/Singapore", weekly=parse_weekly("mon-sat 09:00-13:00"),
                                           holidays=frozenset({date(2027, 3, 3), date(2027, 3, 4)}))])


@given(calendars, instants, instants, instants)
def test_business_time_adds_up(hours: BusinessHours, a: float, b: float, c: float) -> None:
    a, b, c = sorted((a, b, c))
    total = business_seconds(hours, a, c)
    assert total == pytest.approx(business_seconds(hours, a, b) + business_seconds(hours, b, c), abs=1e-6)
    assert 0 <= total <= c - a


@given(calendars, instants, st.floats(min_value=0, max_value=30 * H))
def test_add_business_is_the_inverse_of_business_seconds(hours: BusinessHours, start: float, amount: float) -> None:
    end = add_business(hours, start, amount)
    assert end >= start
    assert business_seconds(hours, start, end) == pytest.approx(amount, abs=1e-3)


@given(calendars, st.lists(st.tuples(st.floats(min_value=0, max_value=5 * 86400), st.sampled_from(list(CaseState))),
                           max_size=8), st.floats(min_value=0, max_value=10 * 86400), st.floats(0, 86400))
def test_ort_only_grows_and_never_exceeds_the_wall_clock(
    hours: BusinessHours, moves: list[tuple[float, CaseState]], later: float, step: float,
) -> None:
    created = START
    states = ((created, CaseState.NEW), *sorted((created + d, s) for d, s in moves))
    timeline = Timeline(created, states)
    pol = policy(hours)
    now = created + later
    _, before = clocks(timeline, Priority.MEDIUM, pol, now)
    _, after = clocks(timeline, Priority.MEDIUM, pol, now + step)
    assert 0 <= before.elapsed_s <= after.elapsed_s <= now + step - created + 1e-6
    if before.breached_at is not None:
        assert after.breached_at == before.breached_at
    if before.status is not ClockStatus.RUNNING:
        assert not before.warning
