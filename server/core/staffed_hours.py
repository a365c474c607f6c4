"""When a queue must be staffed (pure): 24x7 (the default), weekly hours in an IANA time zone, or never.

Hours are wall-clock times of the queue's time zone, so they follow daylight saving time: ``08:00-20:00``
in ``Europe/Berlin`` is 06:00-18:00 UTC in summer and 07:00-19:00 UTC in winter. A span
whose end is not after its start crosses midnight: ``fri 22:00-06:00`` is Friday 22:00 to Saturday 06:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK = 7 * 1440
ALWAYS_SPEC = "24x7"
NEVER_SPEC = "off"

Span = tuple[int, int]
"""Minutes of the week from Monday 00:00 local: ``[start, end)``, ``end`` up to a day past the week's end."""

_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


class HoursError(ValueError):
    """Staffed hours that cannot be read."""


@dataclass(frozen=True, slots=True)
class StaffedHours:
    spec: str = ALWAYS_SPEC
    """``24x7``, ``off`` or days and times: ``mon-fri 08:00-20:00; sat 09:00-13:00; sun 22:00-06:00``."""
    tz: str = "UTC"
    spans: tuple[Span, ...] = ()

    @property
    def always(self) -> bool:
        return self.spec == ALWAYS_SPEC

    @property
    def never(self) -> bool:
        return self.spec == NEVER_SPEC

    def staffed(self, at: float) -> bool:
        """Must the queue be staffed at instant ``at`` (Unix seconds)?"""
        if self.always:
            return True
        if self.never:
            return False
        local = datetime.fromtimestamp(at, ZoneInfo(self.tz))
        minute = local.weekday() * 1440 + local.hour * 60 + local.minute
        return any(start <= m < end for start, end in self.spans for m in (minute, minute + WEEK))

    def describe(self) -> str:
        if self.always:
            return "24x7"
        if self.never:
            return "off (never staffed: no staffing alerts)"
        return f"{self.spec} ({self.tz})"


ALWAYS = StaffedHours()


def parse_hours(spec: str, tz: str = "UTC") -> StaffedHours:
    """``24x7``, ``off`` or ``DAYS HH:MM-HH:MM[,HH:MM-HH:MM]; ...`` in time zone ``tz``; HoursError otherwise."""
    text = " ".join(spec.split()).lower()
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise HoursError(f"unknown time zone {tz!r} (use an IANA name such as Asia/Singapore)") from None
    if text in (ALWAYS_SPEC, NEVER_SPEC):
        return StaffedHours(text, tz)
    spans: list[Span] = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        names, _, times = part.partition(" ")
        first, _, last = names.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise HoursError(f"{names!r}: use days like mon, mon-fri")
        lo, hi = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if hi < lo:
            raise HoursError(f"{names!r}: the day range runs backwards")
        if not times.strip():
            raise HoursError(f"{part!r}: give the times, e.g. {names} 08:00-20:00")
        for span in filter(None, (s.strip() for s in times.split(","))):
            begin, dash, end = span.partition("-")
            if not dash:
                raise HoursError(f"{span!r}: use HH:MM-HH:MM")
            a, b = _minutes(begin), _minutes(end)
            if a == b:
                raise HoursError(f"{span!r} is empty (for all day use 00:00-24:00)")
            length = b - a if b > a else b + 1440 - a  # not after the start: it ends the next day
            spans.extend((day * 1440 + a, day * 1440 + a + length) for day in range(lo, hi + 1))
    if not spans:
        raise HoursError(f"{spec!r}: give 24x7, off, or days and times such as 'mon-fri 08:00-20:00'")
    canonical = "; ".join(p.strip() for p in text.split(";") if p.strip())
    return StaffedHours(canonical, tz, tuple(sorted(spans)))


def _minutes(text: str) -> int:
    m = _TIME.match(text.strip())
    if m is None or (int(m[1]) == 24 and int(m[2]) != 0):
        raise HoursError(f"{text!r} is not a time of day (HH:MM)")
    return int(m[1]) * 60 + int(m[2])
