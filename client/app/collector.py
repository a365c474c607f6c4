"""Python's cyclic garbage collection, run on the Qt main thread only, while the app runs.

Automatic collection runs in whichever thread happens to allocate when a threshold is passed. The app has
threads that run Python: aiortc encodes call audio on executor threads, and qasync runs ``run_in_executor``
work on its own. A collection there may destroy a Qt object (a window with a running ``QTimer``) off the main
thread; Qt cannot unregister the timer from that thread, and the main thread's next timer event goes to the
freed object (a crash in ``QTimerInfoList::activateTimers``, found with gdb in the test suite). So automatic
collection is switched off while the collector runs, and a timer on the main thread collects the oldest
generation whose threshold has been passed, as the automatic collector picks it (without its extra rule that
puts off full collections while few objects have survived).
"""

from __future__ import annotations

import gc

from onduty.client.app.qt.core import QObject, QTimer

CHECK_MS = 500
"""How often the thresholds are looked at (a check is a few integer comparisons)."""


class MainThreadCollector(QObject):
    def __init__(self, check_ms: int = CHECK_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(check_ms)
        self._timer.timeout.connect(self.collect_due)
        self._was_enabled = gc.isenabled()

    def start(self) -> None:
        """Switch automatic collection off and collect from the main thread from now on."""
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def stop(self, generation: int = 2) -> None:
        """Collect once more, here, and give collection back to Python as it was. ``generation`` 0 is enough
        for what was allocated since :meth:`start` when no check ran meanwhile (it is all still in the first
        generation), and costs far less than a full collection of a large heap."""
        self._timer.stop()
        gc.collect(generation)
        if self._was_enabled:
            gc.enable()

    def collect_due(self) -> int | None:
        """Collect the oldest generation whose threshold has been passed; the generation, or None."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] <= thresholds[0]:
            return None
        generation = 2 if counts[2] > thresholds[2] else 1 if counts[1] > thresholds[1] else 0
        gc.collect(generation)
        return generation
