"""The report's figures per day and hour, computed by hand here."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from onduty.server.core.reports import ChatFacts, percentile, recent_hours, report
from onduty.server.core.staffing import agents_needed

DAY = date(2026, 12, 2)


def t(hour: int, minute: int = 0, second: int = 0) -> float:
    return datetime(2026, 12, 2, hour, minute, second, tzinfo=UTC).timestamp()


def test_percentile_nearest_rank() -> None:
    assert percentile([], 50) is None
    assert percentile([5.0], 90) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 11)], 90) == 9.0


def test_a_day_with_two_busy_hours() -> None:
    chats = [
        ChatFacts(t(9, 0), t(9, 0, 10), t(9, 5, 10)),  # waited 10 s, handled 300 s
        ChatFacts(t(9, 10), t(9, 10, 30), t(9, 20, 30)),  # waited 30 s (over 20), handled 600 s
        ChatFacts(t(9, 30), None, t(9, 32)),  # dropped
        ChatFacts(t(14, 0), t(14, 0, 5), None),  # answered, still running
    ]
    rows = report(chats, [t(9, 40), t(23, 59)], [(t(13, 30), t(14, 0))], DAY, DAY)
    day, nine, thirteen, fourteen, late = rows
    assert (day.hour, nine.hour, thirteen.hour, fourteen.hour, late.hour) == (None, 9, 13, 14, 23)
    assert (day.requests, day.answered, day.dropped, day.callbacks) == (4, 3, 1, 2)
    assert day.wait_mean_s == pytest.approx(15.0)
    assert (day.wait_p50_s, day.wait_p90_s) == (10.0, 30.0)
    assert day.handle_mean_s == pytest.approx(450.0)
    assert day.service_level == pytest.approx(2 / 4)  # 10 s and 5 s within 20 s; the drop counts against
    assert day.alert_minutes == 30.0
    assert (nine.requests, nine.answered, nine.dropped, nine.callbacks) == (3, 2, 1, 1)
    assert nine.service_level == pytest.approx(1 / 3)
    assert nine.advised_agents == agents_needed(3, 450.0, 20, 0.8).agents
    assert (thirteen.requests, thirteen.alert_minutes, thirteen.advised_agents) == (0, 30.0, None)
    assert fourteen.advised_agents == agents_needed(1, 450.0, 20, 0.8).agents  # the day's handle time
    assert day.advised_agents == max(nine.advised_agents, fourteen.advised_agents)
    assert late.callbacks == 1
    assert day.cells()[:6] == ["2026-12-02", "all", "4", "3", "1", "2"]
    assert day.cells()[10] == "0.500"


def test_days_without_anything_still_have_their_row_and_hours_are_local() -> None:
    chats = [ChatFacts(t(23, 30), t(23, 30, 4), t(23, 40))]  # 23:30 UTC is 00:30 in Berlin on the 3rd
    rows = report(chats, [], [], DAY, date(2026, 12, 3), tz="Europe/Berlin")
    assert [(r.day, r.hour, r.requests) for r in rows] == [(DAY, None, 0), (date(2026, 12, 3), None, 1),
                                                           (date(2026, 12, 3), 0, 1)]


def test_dst_days_have_23_and_25_hours() -> None:
    spring = date(2026, 3, 29)  # Berlin: 02:00 -> 03:00
    at_three = datetime(2026, 3, 29, 1, 30, tzinfo=UTC).timestamp()  # 03:30 CEST
    rows = report([ChatFacts(at_three, at_three + 1, at_three + 60)], [], [], spring, spring, tz="Europe/Berlin")
    assert [(r.hour, r.requests) for r in rows] == [(None, 1), (3, 1)]
    autumn = date(2026, 10, 25)  # Berlin: 03:00 -> 02:00; "02" lasts two hours
    first, second = (datetime(2026, 10, 25, h, 30, tzinfo=UTC).timestamp() for h in (0, 1))  # 02:30 CEST, 02:30 CET
    rows = report([ChatFacts(first, None, None), ChatFacts(second, None, None)], [], [], autumn, autumn,
                  tz="Europe/Berlin")
    assert [(r.hour, r.requests) for r in rows] == [(None, 2), (2, 2)]


def test_recent_hours_are_the_last_24_clock_hours_oldest_first() -> None:
    chats = [
        ChatFacts(t(9, 10), t(9, 10, 5), t(9, 15)),  # in the current hour so far
        ChatFacts(t(8, 59), None, t(9, 1)),  # the hour before: dropped
        ChatFacts(t(9, 50), None, None),  # after now: not yet
    ]
    hours = recent_hours(chats, t(9, 30), "UTC", 20.0, 0.8)
    assert len(hours) == 24
    assert hours[-1].start == t(9) and hours[0].start == t(9) - 23 * 3600
    last, before = hours[-1].row, hours[-2].row
    assert (last.requests, last.answered, last.service_level, last.wait_p50_s) == (2, 1, 0.5, 5.0)
    assert (before.requests, before.dropped, before.service_level, before.hour) == (1, 1, 0.0, 8)
    assert all(h.row.requests == 0 and h.row.service_level is None for h in hours[:-2])


def test_recent_hours_follow_the_local_clock_of_a_half_hour_zone() -> None:
    hours = recent_hours([], t(9, 40), "Asia/Kolkata")  # UTC+5:30: 15:10 there, the hour began 09:30 UTC
    assert hours[-1].start == t(9, 30) and hours[-1].row.hour == 15


def test_the_most_agents_on_duty_go_beside_the_advice() -> None:
    chats = [ChatFacts(t(9, 0), t(9, 0, 5), t(9, 5))]
    duty = {t(8): 1, t(9): 3, t(10): 0}
    day, nine = report(chats, [], [], DAY, DAY, "UTC", duty=duty)
    assert (day.on_duty_max, nine.hour, nine.on_duty_max) == (3, 9, 3)
    assert day.cells()[-1] == "3"
    hours = recent_hours(chats, t(10, 30), "UTC", duty=duty)
    assert [h.row.on_duty_max for h in hours[-3:]] == [1, 3, 0]
    assert hours[0].row.on_duty_max is None  # an hour nobody watched
