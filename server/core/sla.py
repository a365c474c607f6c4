"""IRT and ORT response-time clocks of a case, on a queue's business hours (seed 003). Pure, time passed in.

Rules:

* **IRT** (initial response time) runs from the case's creation and stops at the first qualified
  response: the first External Info sent with Save or Save Reply. A case solved or closed before
  any response stops it too (unmet; a breach, if one happened, stays recorded).
* **ORT** (ongoing response time) runs while the case is on support's side (New, In Process). It
  keeps running after a Save (the state does not change), pauses while the case is Awaiting Info
  after a Save Reply, and resumes when the customer answers (the case is In Process again). It
  accumulates: a pause keeps what was used. Solved and Closed stop it.
* Both count business time only: the queue region's weekly hours in its time zone, minus holidays;
  a 24x7 calendar counts every second. Targets are per queue and priority, in hours or business days
  (one business day = the longest working day of the calendar; 24 h for 24x7).
* A clock warns when it runs and has at most ``warn_before_s`` of business time left, and is
  breached when its elapsed business time passes the target (``breached_at`` says when).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onduty.server.core.cases import SUPPORT_SIDE, CaseState, Priority
from onduty.shared.cases import ClockKind as ClockKind  # re-exported with the clocks
from onduty.shared.cases import ClockStatus as ClockStatus

DAY = 86400.0
MAX_DAYS = 3660
"""How far ahead a due time is searched for (a calendar with almost no hours left)."""
ENDED = frozenset({CaseState.SOLVED, CaseState.CLOSED})
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Interval = tuple[int, int]
"""Open from ``start`` to ``end`` minutes after local midnight (``end`` at most 1440)."""


class Unit(StrEnum):
    HOURS = "hours"
    BUSINESS_DAYS = "business_days"


class SlaConfigError(ValueError):
    """Business hours, a holiday or a target that cannot be used."""


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """When a region works: ``weekly[0]`` is Monday's open intervals, local to ``tz``."""

    tz: str = "UTC"
    weekly: tuple[tuple[Interval, ...], ...] = ((),) * 7
    holidays: frozenset[date] = frozenset()
    always: bool = False
    """24x7: every second counts, holidays included."""

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise SlaConfigError(f"unknown time zone {self.tz!r}") from exc
        if len(self.weekly) != 7:
            raise SlaConfigError("weekly hours need 7 days, Monday first")
        for day in self.weekly:
            last = 0
            for start, end in day:
                if not (last <= start < end <= 1440):
                    raise SlaConfigError(f"hours {_fmt(start)}-{_fmt(end)} overlap, are empty or out of order")
                last = end
        if not self.always and not any(self.weekly):
            raise SlaConfigError("business hours need at least one open interval (or 24x7)")

    @property
    def day_seconds(self) -> float:
        """Length of one business day: the longest working day (24 h for 24x7)."""
        if self.always:
            return DAY
        return 60.0 * max(sum(end - start for start, end in day) for day in self.weekly)

    def describe(self) -> str:
        if self.always:
            return "24x7"
        days = [f"{WEEKDAYS[i]} " + ",".join(f"{_fmt(s)}-{_fmt(e)}" for s, e in d)
                for i, d in enumerate(self.weekly) if d]
        return f"{'; '.join(days)} ({self.tz})"


ALWAYS = BusinessHours(always=True)


def _fmt(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def _minutes(text: str) -> int:
    m = _TIME.match(text.strip())
    if m is None or (int(m[1]) == 24 and int(m[2]) != 0):
        raise SlaConfigError(f"{text!r} is not a time of day (HH:MM)")
    return int(m[1]) * 60 + int(m[2])


def parse_weekly(spec: str) -> tuple[tuple[Interval, ...], ...]:
    """``"mon-fri 09:00-17:00; sat 10:00-14:00"`` -> seven days of intervals, Monday first."""
    days: list[list[Interval]] = [[] for _ in range(7)]
    for part in filter(None, (p.strip() for p in spec.split(";"))):
        names, _, hours = part.partition(" ")
        first, _, last = names.lower().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise SlaConfigError(f"{names!r}: use days like mon, mon-fri")
        lo, hi = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if hi < lo:
            raise SlaConfigError(f"{names!r}: the day range runs backwards")
        for span in filter(None, (s.strip() for s in hours.split(","))):
            start, dash, end = span.partition("-")
            if not dash:
                raise SlaConfigError(f"{span!r}: use HH:MM-HH:MM")
            for i in range(lo, hi + 1):
                days[i].append((_minutes(start), _minutes(end)))
    return tuple(tuple(sorted(d)) for d in days)


def weekdays_hours(tz: str, start: str = "09:00", end: str = "17:00") -> BusinessHours:
    return BusinessHours(tz=tz, weekly=parse_weekly(f"mon-fri {start}-{end}"))


DEFAULT_HOURS: Mapping[str, BusinessHours] = {
    "EMEA": weekdays_hours("Europe/Berlin"),
    "AMER": weekdays_hours("America/New_York"),
    "APJ": weekdays_hours("Asia/Singapore"),
    "GLOBAL": ALWAYS,
}
"""Built-in calendars per queue region until an admin sets others; any other region: weekdays 9-17 UTC."""


def default_hours(region: str) -> BusinessHours:
    return DEFAULT_HOURS.get(region.upper(), weekdays_hours("UTC"))


# ---- business time ------------------------------------------------------------------


def _open(hours: BusinessHours, day: date) -> list[tuple[float, float]]:
    """The day's open intervals as epoch seconds (wall-clock times, so DST shifts them correctly)."""
    if day in hours.holidays:
        return []
    zone = ZoneInfo(hours.tz)
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    return [((midnight + timedelta(minutes=s)).timestamp(), (midnight + timedelta(minutes=e)).timestamp())
            for s, e in hours.weekly[day.weekday()]]


def _local_day(hours: BusinessHours, at: float) -> date:
    return datetime.fromtimestamp(at, ZoneInfo(hours.tz)).date()


def business_seconds(hours: BusinessHours, start: float, end: float) -> float:
    """Business time between two instants (0 if ``end`` is not after ``start``)."""
    if end <= start:
        return 0.0
    if hours.always:
        return end - start
    total, day, last = 0.0, _local_day(hours, start), _local_day(hours, end)
    while day <= last:
        for a, b in _open(hours, day):
            total += max(0.0, min(b, end) - max(a, start))
        day += timedelta(days=1)
    return total


def add_business(hours: BusinessHours, start: float, seconds: float) -> float:
    """The instant at which ``seconds`` of business time have passed since ``start``."""
    if seconds <= 0:
        return start
    if hours.always:
        return start + seconds
    left, day = seconds, _local_day(hours, start)
    for _ in range(MAX_DAYS):
        for a, b in _open(hours, day):
            a = max(a, start)
            if b <= a:
                continue
            if b - a >= left:
                return a + left
            left -= b - a
        day += timedelta(days=1)
    return float("inf")


# ---- targets --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    amount: float
    unit: Unit = Unit.HOURS

    def __post_init__(self) -> None:
        if not self.amount > 0:
            raise SlaConfigError("a target must be positive")

    def seconds(self, hours: BusinessHours) -> float:
        """The target as business seconds on ``hours``."""
        if self.unit is Unit.HOURS:
            return self.amount * 3600.0
        return self.amount * hours.day_seconds

    def describe(self) -> str:
        return f"{self.amount:g} {'h' if self.unit is Unit.HOURS else 'business days'}"


DEFAULT_TARGETS: Mapping[tuple[ClockKind, Priority], Target] = {
    (ClockKind.IRT, Priority.VERY_HIGH): Target(1),
    (ClockKind.IRT, Priority.HIGH): Target(4),
    (ClockKind.IRT, Priority.MEDIUM): Target(1, Unit.BUSINESS_DAYS),
    (ClockKind.IRT, Priority.LOW): Target(3, Unit.BUSINESS_DAYS),
    (ClockKind.ORT, Priority.VERY_HIGH): Target(4),
    (ClockKind.ORT, Priority.HIGH): Target(1, Unit.BUSINESS_DAYS),
    (ClockKind.ORT, Priority.MEDIUM): Target(3, Unit.BUSINESS_DAYS),
    (ClockKind.ORT, Priority.LOW): Target(5, Unit.BUSINESS_DAYS),
}


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """What applies to one queue: its region's hours, its targets (defaults filled in), the warning lead."""

    hours: BusinessHours = ALWAYS
    targets: Mapping[tuple[ClockKind, Priority], Target] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    warn_before_s: float = 900.0

    def target(self, kind: ClockKind, priority: Priority) -> Target:
        return self.targets.get((kind, priority)) or DEFAULT_TARGETS[(kind, priority)]


# ---- clocks ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Timeline:
    """What the clocks depend on: creation, every state the case entered (in order), first response."""

    created_at: float
    states: tuple[tuple[float, CaseState], ...]
    """``(at, state)`` entries, the first one the state at creation."""
    first_response_at: float | None = None


@dataclass(frozen=True, slots=True)
class SlaClock:
    kind: ClockKind
    status: ClockStatus
    target_s: float
    elapsed_s: float
    """Business seconds used so far."""
    due_at: float | None
    """When the target is (or was) reached if the clock keeps running; None while paused or stopped unbreached."""
    breached_at: float | None
    warning: bool
    """Running, not yet breached, and at most ``warn_before_s`` of business time left."""

    @property
    def remaining_s(self) -> float:
        """Business seconds left before the target (negative once breached)."""
        return self.target_s - self.elapsed_s


def _segments(timeline: Timeline, running: Iterable[CaseState], now: float) -> list[tuple[float, float]]:
    """The ``[start, end)`` spans up to ``now`` during which the case was in one of ``running``."""
    wanted = frozenset(running)
    spans: list[tuple[float, float]] = []
    entries = [e for e in timeline.states if e[0] <= now]
    for i, (at, state) in enumerate(entries):
        if state not in wanted:
            continue
        end = entries[i + 1][0] if i + 1 < len(entries) else now
        start = max(at, timeline.created_at)
        if end > start:
            spans.append((start, end))
    return spans


def _clock(kind: ClockKind, spans: list[tuple[float, float]], status: ClockStatus, target: float,
           policy: SlaPolicy, now: float) -> SlaClock:
    hours = policy.hours
    elapsed, breached_at = 0.0, None
    for start, end in spans:
        used = business_seconds(hours, start, end)
        if breached_at is None and elapsed + used > target:
            breached_at = add_business(hours, start, target - elapsed)
        elapsed += used
    running = status is ClockStatus.RUNNING
    due_at = breached_at if breached_at is not None else add_business(hours, now, target - elapsed) if running else None
    warning = running and breached_at is None and target - elapsed <= policy.warn_before_s
    return SlaClock(kind, status, target, elapsed, due_at, breached_at, warning)


def clocks(timeline: Timeline, priority: Priority, policy: SlaPolicy, now: float) -> tuple[SlaClock, SlaClock]:
    """IRT and ORT of a case as of ``now``."""
    seen = [(at, s) for at, s in timeline.states if at <= now]
    state = seen[-1][1] if seen else CaseState.NEW
    ended_at = next((at for at, s in seen if s in ENDED), None)
    first = timeline.first_response_at
    responded = first is not None and first <= now
    if responded and first is not None:
        irt_status, irt_end = ClockStatus.STOPPED, first
    elif ended_at is not None and state in ENDED:
        irt_status, irt_end = ClockStatus.STOPPED, ended_at
    else:
        irt_status, irt_end = ClockStatus.RUNNING, now
    irt_spans = [(timeline.created_at, irt_end)] if irt_end > timeline.created_at else []
    irt = _clock(ClockKind.IRT, irt_spans, irt_status, policy.target(ClockKind.IRT, priority).seconds(policy.hours),
                 policy, now)
    ort_status = (ClockStatus.RUNNING if state in SUPPORT_SIDE
                  else ClockStatus.PAUSED if state is CaseState.AWAITING_INFO else ClockStatus.STOPPED)
    ort = _clock(ClockKind.ORT, _segments(timeline, SUPPORT_SIDE, now), ort_status,
                 policy.target(ClockKind.ORT, priority).seconds(policy.hours), policy, now)
    return irt, ort
