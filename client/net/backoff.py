"""Reconnect delays: exponential growth, a cap, and random jitter so clients do not reconnect in step.

The cap is 2 s: a client is back within about 2 s of the server (after a restart, say), and with the
jitter the delays at the cap spread over 1 to 2 s, so a thousand clients do not come back at once."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

Backoff = Callable[[int], float]
"""Delay in seconds before reconnect attempt ``n`` (1 = first retry after a drop)."""


@dataclass(frozen=True)
class ExponentialBackoff:
    """``base * factor**(n-1)``, capped at ``cap``, then scaled by a random factor in ``[1-jitter, 1]``."""

    base: float = 0.5
    factor: float = 2.0
    cap: float = 2.0
    jitter: float = 0.5
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def __call__(self, attempt: int) -> float:
        raw = min(self.cap, self.base * self.factor ** max(0, attempt - 1))
        return raw * (1.0 - self.jitter * self.rng.random())
