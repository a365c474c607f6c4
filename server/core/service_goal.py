"""A queue's service-level goal (pure): a share of its chats answered within a target time.

Every queue has one: 80 % within 20 s unless ``onduty-server queue goal`` set another. The console's
"today" figures, the reports and the Erlang C advice measure against it.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TARGET_S = 20.0
DEFAULT_LEVEL = 0.8
MAX_TARGET_S = 3600.0


@dataclass(frozen=True, slots=True)
class ServiceGoal:
    target_s: float = DEFAULT_TARGET_S
    """A chat answered within this many seconds of its request counts as answered in time."""
    level: float = DEFAULT_LEVEL
    """The share of chats (0 < level < 1) that should be answered in time."""

    def describe(self) -> str:
        """``80% within 20s``"""
        return f"{self.level * 100:g}% within {self.target_s:g}s"


def service_goal(target_s: float, level: float) -> ServiceGoal:
    """A checked goal; ValueError with what is wrong otherwise."""
    if not 0 < target_s <= MAX_TARGET_S:
        raise ValueError(f"the target is more than 0 and at most {MAX_TARGET_S:g} seconds (got {target_s:g})")
    if not 0 < level < 1:
        raise ValueError(f"the service level is a fraction between 0 and 1, e.g. 0.8 for 80% (got {level:g})")
    return ServiceGoal(float(target_s), float(level))
