"""How long a requestor at a given place in line can expect to wait: pure, time passed in.

The estimate is the queue's recent pace of assignments: the mean gap between its last
``window`` assignments (the gap still open counts once it is longer than that mean), times
the place in line. With fewer than two assignments seen there is no pace yet: ``None``.
"""

from __future__ import annotations

from collections import deque


class WaitEstimator:
    def __init__(self, window: int = 10) -> None:
        self.window = window
        self._assigned: dict[str, deque[float]] = {}

    def assigned(self, queue: str, at: float) -> None:
        """A chat of ``queue`` went to an agent at ``at``."""
        self._assigned.setdefault(queue, deque(maxlen=self.window)).append(at)

    def estimate(self, queue: str, position: int, now: float) -> float | None:
        """Seconds until the requestor at ``position`` (1 = next) is likely served."""
        times = self._assigned.get(queue)
        if times is None or len(times) < 2:
            return None
        gap = (times[-1] - times[0]) / (len(times) - 1)
        gap = max(gap, now - times[-1])
        return round(gap * max(1, position), 1)
