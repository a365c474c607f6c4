"""A queue's figures per day and hour of day (pure): what ``onduty-server report`` prints.

Per period (a local day, and each hour of it that saw a request, callback or alert), from the chats
*requested* in it:

* ``requests``; ``answered`` (an agent took it); ``dropped`` (nobody took it: the waiting limit ran out or the
  requestor left first); ``callbacks`` left in the period;
* waits of the answered chats, request to first agent: mean, p50, p90 (nearest rank);
* handle time of the answered chats that ended, first agent to end: mean;
* ``service_level``: the share of requests answered within ``target_s`` (dropped ones count as not answered;
  None without requests);
* ``alert_minutes``: minutes of staffing alerts inside the period;
* ``advised_agents``: Erlang C (:mod:`onduty.server.core.staffing`) for the hour's arrivals and mean handle time
  (the day's mean when the hour has none), to reach ``goal`` within ``target_s``; on a day row, the largest of
  its hours;
* ``on_duty_max``: the most agents On Duty seen in the period (kept per hour by the running server), to put
  beside ``advised_agents``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from onduty.server.core.staffing import agents_needed


@dataclass(frozen=True, slots=True)
class ChatFacts:
    """What a report needs of one chat."""

    requested_at: float
    assigned_at: float | None
    ended_at: float | None


@dataclass(frozen=True, slots=True)
class Row:
    day: date
    hour: int | None
    """0-23, local; None for the whole day."""
    requests: int
    answered: int
    dropped: int
    callbacks: int
    wait_mean_s: float | None
    wait_p50_s: float | None
    wait_p90_s: float | None
    handle_mean_s: float | None
    service_level: float | None
    alert_minutes: float
    advised_agents: int | None
    on_duty_max: int | None = None
    """The most agents On Duty seen in the period (None: not watched then, e.g. the server was down)."""

    COLUMNS = ("day", "hour", "requests", "answered", "dropped", "callbacks", "wait_mean_s", "wait_p50_s",
               "wait_p90_s", "handle_mean_s", "service_level", "alert_minutes", "advised_agents", "on_duty_max")

    def cells(self) -> list[str]:
        """As printed and in the CSV: empty for "none", seconds and minutes with one decimal."""
        def show(column: str) -> str:
            value = getattr(self, column)
            if value is None:
                return ""
            if isinstance(value, float):
                return f"{value:.3f}" if column == "service_level" else f"{value:.1f}"
            return str(value)

        return [self.day.isoformat(), "all" if self.hour is None else f"{self.hour:02d}",
                *(show(c) for c in self.COLUMNS[2:])]


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` in 0..100) of ``values``; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


Duty = Mapping[float, int]
"""The most agents On Duty per watched hour, by the hour's start (``Store.duty_hours``)."""


def hour_start(at: float, tz: str) -> float:
    """When the local clock hour (of time zone ``tz``) that ``at`` falls in began."""
    return datetime.fromtimestamp(at, ZoneInfo(tz)).replace(minute=0, second=0, microsecond=0).timestamp()


def _most(duty: Duty, start: float, end: float) -> int | None:
    return max((n for at, n in duty.items() if start <= at < end), default=None)


def report(chats: Iterable[ChatFacts], callbacks: Iterable[float], alerts: Iterable[tuple[float, float]],
           first: date, last: date, tz: str = "UTC", target_s: float = 20.0, goal: float = 0.8,
           duty: Duty | None = None) -> list[Row]:
    """Rows for every day from ``first`` to ``last`` (inclusive): the day, then each of its busy hours."""
    duty = duty or {}
    zone = ZoneInfo(tz)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    chats, callbacks, alerts = list(chats), list(callbacks), list(alerts)
    rows: list[Row] = []
    for day in days:
        start = datetime.combine(day, time(0), zone).timestamp()
        end = datetime.combine(day + timedelta(days=1), time(0), zone).timestamp()
        day_chats = [c for c in chats if start <= c.requested_at < end]
        day_handle = _mean([c.ended_at - c.assigned_at for c in day_chats if c.assigned_at and c.ended_at])
        hours: list[Row] = []
        # local wall-clock hours: on a DST day one of them is empty (spring) or two real hours long (autumn)
        bounds = [datetime.combine(day, time(hour), zone).timestamp() for hour in range(24)] + [end]
        for hour in range(24):
            h_start, h_end = bounds[hour], max(bounds[hour], bounds[hour + 1])
            row = _row(day, hour, [c for c in day_chats if h_start <= c.requested_at < h_end],
                       [t for t in callbacks if h_start <= t < h_end], alerts, h_start, h_end, target_s, goal,
                       day_handle, _most(duty, h_start, h_end))
            if row.requests or row.callbacks or row.alert_minutes:
                hours.append(row)
        whole = _row(day, None, day_chats, [t for t in callbacks if start <= t < end], alerts, start, end, target_s,
                     goal, day_handle, _most(duty, start, end))
        advised = [h.advised_agents for h in hours if h.advised_agents is not None]
        rows.append(_replace_advice(whole, max(advised) if advised else None))
        rows.extend(hours)
    return rows


@dataclass(frozen=True, slots=True)
class RecentHour:
    """One clock hour of the last day, for the console's charts: when it began and its figures."""

    start: float
    row: Row


def recent_hours(chats: Iterable[ChatFacts], now: float, tz: str = "UTC", target_s: float = 20.0,
                 goal: float = 0.8, hours: int = 24, duty: Duty | None = None) -> list[RecentHour]:
    """The last ``hours`` clock hours (local to ``tz``) up to the one ``now`` is in (so far), oldest first, each
    with the figures of the chats requested in it (an hour without requests has empty waits and levels)."""
    zone, duty = ZoneInfo(tz), duty or {}
    chats = list(chats)
    this_hour = hour_start(now, tz)
    answered = [c for c in chats if c.assigned_at is not None and c.ended_at is not None]
    handle = _mean([(c.ended_at or 0.0) - (c.assigned_at or 0.0) for c in answered])
    out = []
    for k in range(hours - 1, -1, -1):
        start = this_hour - k * 3600.0
        end = start + 3600.0
        at = datetime.fromtimestamp(start, zone)
        out.append(RecentHour(start, _row(at.date(), at.hour, [c for c in chats if start <= c.requested_at < end],
                                          [], [], start, end, target_s, goal, handle, _most(duty, start, end))))
    return out


def _row(day: date, hour: int | None, chats: list[ChatFacts], callbacks: list[float],
         alerts: list[tuple[float, float]], start: float, end: float, target_s: float, goal: float,
         day_handle: float | None, on_duty: int | None = None) -> Row:
    answered = [c for c in chats if c.assigned_at is not None]
    waits = [max(0.0, (c.assigned_at or 0.0) - c.requested_at) for c in answered]
    handles = [c.ended_at - c.assigned_at for c in answered if c.assigned_at is not None and c.ended_at is not None]
    handle_mean = _mean(handles)
    in_time = sum(1 for w in waits if w <= target_s)
    minutes = sum(max(0.0, min(b, end) - max(a, start)) for a, b in alerts) / 60.0
    advice = None
    handle_for_advice = handle_mean if handle_mean else day_handle
    if hour is not None and chats and handle_for_advice and end > start:
        hour_len = (end - start) / 3600.0
        advice = agents_needed(len(chats) / hour_len, handle_for_advice, target_s, goal).agents
    return Row(day, hour, len(chats), len(answered), len(chats) - len(answered), len(callbacks), _mean(waits),
               percentile(waits, 50), percentile(waits, 90), handle_mean,
               in_time / len(chats) if chats else None, round(minutes, 1), advice, on_duty)


def _replace_advice(row: Row, advised: int | None) -> Row:
    return replace(row, advised_agents=advised)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
