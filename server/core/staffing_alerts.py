"""The staffing alert rule (pure, time passed in): a queue inside its staffed hours with nobody On Duty.

Seed 000: "At least 1 MoD must be logged in ... Availability must be maintained 24x7." Per queue:

* **nobody on duty**: inside its staffed hours, no signed-in agent of the queue is On Duty, for at least
  ``nobody_after_s`` (0: at once);
* **nobody routable**: inside its staffed hours, someone is On Duty but nobody can take a chat (all Away,
  Busy or full) for at least ``unroutable_after_s`` (0: this alert is off).

An alert opens when its condition has held that long and clears as soon as it stops (someone is On Duty /
routable again, or the staffed hours end). At most one alert per queue is open; "nobody on duty" wins over
"nobody routable" (an open "nobody routable" alert is cleared and "nobody on duty" opened when the last
agent goes Off Duty).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from onduty.server.core.staffed_hours import StaffedHours
from onduty.shared.types import AlertKind

__all__ = ["AlertKind", "AlertPolicy", "Change", "Cleared", "Opened", "QueueWatch", "alert_text", "cleared_text",
           "look"]


@dataclass(frozen=True, slots=True)
class AlertPolicy:
    hours: StaffedHours
    nobody_after_s: float = 0.0
    unroutable_after_s: float = 0.0
    """0: no alert while someone is On Duty but not routable."""


@dataclass(frozen=True, slots=True)
class QueueWatch:
    """What the rule remembers of one queue between looks."""

    since: dict[AlertKind, float] | None = None
    """When each condition began to hold (while it holds)."""
    open: AlertKind | None = None
    opened_at: float | None = None


@dataclass(frozen=True, slots=True)
class Opened:
    kind: AlertKind
    at: float
    """When the condition began (the alert's start), which may be before it was noticed."""


@dataclass(frozen=True, slots=True)
class Cleared:
    kind: AlertKind
    started_at: float
    at: float


Change = Opened | Cleared


def look(watch: QueueWatch, policy: AlertPolicy, now: float, on_duty: int, routable: int
         ) -> tuple[QueueWatch, list[Change]]:
    """The queue's watch after looking at it ``now``, and the alerts that opened or cleared."""
    inside = policy.hours.staffed(now)
    holding: set[AlertKind] = set()
    if inside and on_duty == 0:
        holding.add(AlertKind.NOBODY_ON_DUTY)
    if inside and on_duty > 0 and routable == 0 and policy.unroutable_after_s > 0:
        holding.add(AlertKind.NOBODY_ROUTABLE)
    since = {kind: (watch.since or {}).get(kind, now) for kind in holding}
    delay = {AlertKind.NOBODY_ON_DUTY: policy.nobody_after_s, AlertKind.NOBODY_ROUTABLE: policy.unroutable_after_s}
    due = [kind for kind in AlertKind if kind in since and now - since[kind] >= delay[kind]]
    wanted = due[0] if due else None
    changes: list[Change] = []
    result = replace(watch, since=since or None)
    if watch.open is not None and watch.open is not wanted:
        assert watch.opened_at is not None
        changes.append(Cleared(watch.open, watch.opened_at, now))
        result = replace(result, open=None, opened_at=None)
    if wanted is not None and result.open is None:
        changes.append(Opened(wanted, since[wanted]))
        result = replace(result, open=wanted, opened_at=since[wanted])
    return result, changes


def alert_text(kind: AlertKind, title: str) -> str:
    """What agents and supervisors are told: ``CIM APJ has nobody on duty``."""
    if kind is AlertKind.NOBODY_ON_DUTY:
        return f"{title} has nobody on duty"
    return f"{title} has nobody available to take a chat"


def cleared_text(kind: AlertKind, title: str) -> str:
    if kind is AlertKind.NOBODY_ON_DUTY:
        return f"{title} has someone on duty again"
    return f"{title} has someone available again"
