"""Python's garbage collection in a server process: full collections on a timer, not at random.

A full (generation 2) collection walks every object the collector tracks and holds the GIL, so
the event loop stands still meanwhile. With 1,000 agents signed in that took 60-170 ms on the
2-core bench machine, started automatically every few seconds under load, and the requests that
arrived meanwhile waited for it (routing p99; docs/performance.md, "Fifth round").

While ``onduty-server run`` serves, :class:`FullCollections`:

* freezes what exists once the server has started (``gc.freeze()`` after a collection): modules,
  classes, functions, settings and what was restored from the store, which later full collections
  need not walk (those objects are freed by reference counting as usual, but never as a cycle);
* keeps Python's automatic collection of the young generations (0 and 1: short, they walk only
  what was made recently), but never lets it start a full one;
* runs the full collection itself every ``interval_s`` (``gc_full_interval_s``, 300 s), on the
  event loop, and logs how long it took. Cyclic garbage among objects made since the start is
  freed then, at the latest: memory grows by at most what became such garbage in one interval.

``gc_full_interval_s = 0`` leaves Python's own policy alone. Only the server process's entry
points start it (a test process, which makes many servers, keeps the default).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

NEVER = 1 << 30
"""Threshold of generation 2 that automatic collection never reaches."""


class FullCollections:
    def __init__(self, interval_s: float, clock: Callable[[], float] = time.perf_counter) -> None:
        if interval_s <= 0:
            raise ValueError("interval_s must be positive (0 in the settings: do not start this)")
        self.interval_s = interval_s
        self._clock = clock
        self._timer: asyncio.TimerHandle | None = None
        self._thresholds: tuple[int, int, int] | None = None
        self.collections = 0
        """Full collections run by this policy."""

    @property
    def running(self) -> bool:
        return self._thresholds is not None

    def start(self) -> None:
        """Freeze what exists now and take full collections over (on the running loop)."""
        if self._thresholds is not None:
            return
        gc.collect()
        gc.freeze()
        young0, young1, _full = self._thresholds = gc.get_threshold()
        gc.set_threshold(young0, young1, NEVER)
        self._schedule()
        log.info("full garbage collections every %.0f s (%d objects frozen at start)",
                 self.interval_s, gc.get_freeze_count())

    def stop(self) -> None:
        """Give the collection back to Python's own policy (what was frozen stays collectable again)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
            gc.unfreeze()

    def collect(self) -> int:
        """One full collection now; returns the objects it freed."""
        began = self._clock()
        freed = gc.collect(2)
        self.collections += 1
        log.info("full garbage collection: %d objects freed in %.1f ms", freed, (self._clock() - began) * 1000.0)
        return freed

    def _schedule(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self.interval_s, self._due)

    def _due(self) -> None:
        try:
            self.collect()
        finally:
            self._schedule()
