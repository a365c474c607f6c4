"""What a supervisor sees of agents and chats, as pure rules: an agent's activity, chat outcomes, wait buckets."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from onduty.shared.types import AgentActivity, EndReason, Presence

Activity = AgentActivity
"""What a signed-in agent is doing (``shared.types.AgentActivity``, also on the console's wire)."""


def activity(connected: bool, on_duty: bool, presence: Presence, chats: int) -> Activity | None:
    """The activity of an agent (None: not connected, so not shown as doing anything)."""
    if not connected:
        return None
    if not on_duty:
        return Activity.OFF_DUTY
    if chats > 0:
        return Activity.IN_CHAT
    if presence is Presence.AVAILABLE:
        return Activity.AVAILABLE
    return Activity.BUSY if presence is Presence.BUSY else Activity.AWAY


class Outcome(StrEnum):
    """How a chat ended, for ``onduty_chats_total{outcome}`` and the reports."""

    ANSWERED = "answered"
    """An agent took it (whoever ended it afterwards)."""
    TIMEOUT = "timeout"
    """Nobody was free within the queue's waiting limit."""
    ABANDONED = "abandoned"
    """The requestor left before an agent took it."""


def outcome(answered: bool, reason: EndReason) -> Outcome:
    if answered:
        return Outcome.ANSWERED
    return Outcome.TIMEOUT if reason is EndReason.TIMEOUT else Outcome.ABANDONED


WAIT_BUCKETS: tuple[float, ...] = (5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
"""Upper bounds (seconds) of the ``onduty_wait_seconds`` histogram; 20 s is the default answer target."""


@dataclass(slots=True)
class WaitTally:
    """A histogram of waits: counts per bucket of :data:`WAIT_BUCKETS` (the last: above them all)."""

    bounds: Sequence[float] = WAIT_BUCKETS
    counts: list[int] = field(default_factory=list)
    total: float = 0.0

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.bounds) + 1)

    def add(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.total += seconds

    @property
    def count(self) -> int:
        return sum(self.counts)

    def cumulative(self) -> list[tuple[str, int]]:
        """``(le, count)`` pairs as Prometheus wants them, ending with ``+Inf``."""
        out, running = [], 0
        for bound, n in zip([*map(_le, self.bounds), "+Inf"], self.counts, strict=True):
            running += n
            out.append((bound, running))
        return out


def _le(bound: float) -> str:
    return repr(float(bound))
