"""Staffed hours and the staffing alert rule: injected time, midnight and DST."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onduty.server.core.staffed_hours import ALWAYS, HoursError, parse_hours
from onduty.server.core.staffing_alerts import (
    AlertKind,
    AlertPolicy,
    Cleared,
    Opened,
    QueueWatch,
    alert_text,
    look,
)


def at(text: str, tz: str) -> float:
    """Unix seconds of a local wall-clock time ``YYYY-MM-DD HH:MM`` in ``tz``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(tz)).timestamp()


def test_24x7_and_off() -> None:
    assert ALWAYS.staffed(0.0)
    assert parse_hours("24x7").staffed(1.8e9)
    assert not parse_hours("OFF").staffed(1.8e9)


def test_weekly_hours_in_the_queue_time_zone() -> None:
    apj = parse_hours("mon-fri 08:00-20:00", "Asia/Singapore")
    assert apj.staffed(at("2026-12-02 08:00", "Asia/Singapore"))  # a Wednesday
    assert apj.staffed(at("2026-12-02 19:59", "Asia/Singapore"))
    assert not apj.staffed(at("2026-12-02 20:00", "Asia/Singapore"))
    assert not apj.staffed(at("2026-12-02 07:59", "Asia/Singapore"))
    assert not apj.staffed(at("2026-12-05 12:00", "Asia/Singapore"))  # Saturday
    # 08:00 in Singapore is 00:00 UTC: the UTC day does not matter
    assert apj.staffed(datetime(2026, 12, 2, 0, 0, tzinfo=UTC).timestamp())


def test_hours_across_midnight_and_across_the_week_end() -> None:
    night = parse_hours("fri 22:00-06:00; sun 23:00-01:00", "Europe/Berlin")
    assert night.staffed(at("2026-12-04 22:00", "Europe/Berlin"))  # Friday night
    assert night.staffed(at("2026-12-05 05:59", "Europe/Berlin"))  # Saturday morning
    assert not night.staffed(at("2026-12-05 06:00", "Europe/Berlin"))
    assert not night.staffed(at("2026-12-04 21:59", "Europe/Berlin"))
    assert night.staffed(at("2026-12-06 23:30", "Europe/Berlin"))  # Sunday night...
    assert night.staffed(at("2026-12-07 00:30", "Europe/Berlin"))  # ...into Monday, across the week's end
    assert not night.staffed(at("2026-12-07 01:00", "Europe/Berlin"))


def test_hours_follow_daylight_saving_time() -> None:
    """Berlin moves from UTC+1 to UTC+2 on 2026-03-29 at 02:00 and back on 2026-10-25 at 03:00."""
    sunday = parse_hours("sun 08:00-20:00", "Europe/Berlin")
    winter = datetime(2026, 3, 22, 7, 0, tzinfo=UTC).timestamp()  # 08:00 CET
    summer = datetime(2026, 3, 29, 6, 0, tzinfo=UTC).timestamp()  # 08:00 CEST, the first day of summer time
    assert sunday.staffed(winter)
    assert not sunday.staffed(winter - 60)
    assert sunday.staffed(summer)
    assert not sunday.staffed(summer - 60)
    assert sunday.staffed(datetime(2026, 10, 25, 18, 59, tzinfo=UTC).timestamp())  # 19:59 CET, back in winter
    assert not sunday.staffed(datetime(2026, 10, 25, 19, 0, tzinfo=UTC).timestamp())
    # a night span over the spring-forward hour: 01:00-04:00 local is only two hours long that night
    spring = parse_hours("sun 01:00-04:00", "Europe/Berlin")
    start = datetime(2026, 3, 29, 0, 0, tzinfo=UTC).timestamp()  # 01:00 CET
    staffed_minutes = sum(spring.staffed(start + 60 * i) for i in range(-30, 240))
    assert staffed_minutes == 120


@pytest.mark.parametrize(("spec", "tz", "message"), [
    ("mon-fri", "UTC", "give the times"), ("fri-mon 08:00-10:00", "UTC", "backwards"),
    ("mon 08:00-08:00", "UTC", "empty"), ("mon 8-10", "UTC", "HH:MM"), ("xyz 08:00-10:00", "UTC", "days like"),
    ("mon 08:00-20:00", "Mars/Olympus", "unknown time zone"), ("", "UTC", "give 24x7"),
])
def test_bad_hours_are_refused(spec: str, tz: str, message: str) -> None:
    with pytest.raises(HoursError, match=message):
        parse_hours(spec, tz)


POLICY = AlertPolicy(ALWAYS)


def test_the_last_agent_going_off_duty_opens_an_alert_that_clears_when_someone_is_back() -> None:
    watch, changes = look(QueueWatch(), POLICY, 100.0, on_duty=1, routable=1)
    assert changes == []
    watch, changes = look(watch, POLICY, 200.0, on_duty=0, routable=0)
    assert changes == [Opened(AlertKind.NOBODY_ON_DUTY, 200.0)]
    watch, changes = look(watch, POLICY, 230.0, on_duty=0, routable=0)
    assert changes == []  # still open, not repeated
    watch, changes = look(watch, POLICY, 260.0, on_duty=1, routable=0)
    assert changes == [Cleared(AlertKind.NOBODY_ON_DUTY, 200.0, 260.0)]
    assert watch.open is None


def test_a_delay_waits_before_opening_and_keeps_the_start() -> None:
    policy = AlertPolicy(ALWAYS, nobody_after_s=30)
    watch, changes = look(QueueWatch(), policy, 100.0, 0, 0)
    assert changes == []
    watch, changes = look(watch, policy, 129.0, 0, 0)
    assert changes == []
    watch, changes = look(watch, policy, 130.0, 0, 0)
    assert changes == [Opened(AlertKind.NOBODY_ON_DUTY, 100.0)]
    # someone came back before the delay: nothing at all
    watch, changes = look(QueueWatch(), policy, 100.0, 0, 0)
    watch, changes = look(watch, policy, 110.0, 1, 1)
    watch, changes = look(watch, policy, 140.0, 0, 0)
    assert changes == []


def test_nobody_routable_only_when_configured_and_on_duty_wins() -> None:
    assert look(QueueWatch(), POLICY, 100.0, 2, 0)[1] == []  # off by default
    policy = AlertPolicy(ALWAYS, unroutable_after_s=60)
    watch, _ = look(QueueWatch(), policy, 100.0, 2, 0)
    watch, changes = look(watch, policy, 160.0, 2, 0)
    assert changes == [Opened(AlertKind.NOBODY_ROUTABLE, 100.0)]
    watch, changes = look(watch, policy, 170.0, 0, 0)
    assert changes == [Cleared(AlertKind.NOBODY_ROUTABLE, 100.0, 170.0), Opened(AlertKind.NOBODY_ON_DUTY, 170.0)]


def test_outside_staffed_hours_nobody_is_needed_and_the_end_of_hours_clears() -> None:
    hours = parse_hours("mon-fri 08:00-20:00", "Asia/Singapore")
    policy = AlertPolicy(hours)
    evening = at("2026-12-02 19:59", "Asia/Singapore")
    watch, changes = look(QueueWatch(), policy, evening, 0, 0)
    assert changes == [Opened(AlertKind.NOBODY_ON_DUTY, evening)]
    watch, changes = look(watch, policy, evening + 60, 0, 0)
    assert changes == [Cleared(AlertKind.NOBODY_ON_DUTY, evening, evening + 60)]
    morning = at("2026-12-03 08:00", "Asia/Singapore")
    assert look(watch, policy, morning - 60, 0, 0)[1] == []
    assert look(watch, policy, morning, 0, 0)[1] == [Opened(AlertKind.NOBODY_ON_DUTY, morning)]


def test_text() -> None:
    assert alert_text(AlertKind.NOBODY_ON_DUTY, "CIM APJ") == "CIM APJ has nobody on duty"


@given(st.lists(st.tuples(st.floats(0, 120), st.integers(0, 2), st.integers(0, 2)), max_size=40),
       st.sampled_from([0.0, 15.0]), st.sampled_from([0.0, 20.0]))
def test_alerts_alternate_and_one_is_open_exactly_while_due(steps: list[tuple[float, int, int]], nobody_after: float,
                                                             unroutable_after: float) -> None:
    policy = AlertPolicy(ALWAYS, nobody_after, unroutable_after)
    watch, now, opened = QueueWatch(), 1000.0, None
    for gap, on_duty, routable in steps:
        routable = min(routable, on_duty)
        now += gap
        watch, changes = look(watch, policy, now, on_duty, routable)
        for change in changes:
            if isinstance(change, Opened):
                assert opened is None
                assert change.at <= now
                opened = change
            else:
                assert opened is not None
                assert (change.kind, change.started_at, change.at) == (opened.kind, opened.at, now)
                opened = None
        assert (opened is None) == (watch.open is None)
        if on_duty > 0 and (routable > 0 or unroutable_after == 0):
            assert watch.open is None
