"""Several runs of one scenario on one target, as one report (``python -m bench --repeat N``).

The machine is shared and noisy: one run's p99 or CPU figure can be off by half. With ``--repeat`` every
(scenario, target) pair runs N times, in rounds (each round runs every pair once, so a slow minute of the
machine hits every target alike). The tables and goals then show:

* the **median** of each number (msgs/s, percentiles, CPU per message, ...);
* the **worst run** of the delivery counts (:data:`WORST`: one run that lost a message must not be hidden by
  a median of zero);
* every round's values of a list (the chaos scenario's takeover and recovery times per kill);
* the first run's value of anything else (names, per-node dicts), and every run's error.

Every run's own report is kept under ``runs`` in the JSON.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from bench.scenarios import Report

WORST = frozenset({"lost", "duplicated", "assigned_twice", "failed", "dropped", "timed_out"})
"""Fields whose worst run is the figure (the largest count; ``timed_out`` if any run timed out)."""


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def combine(runs: Sequence[Report]) -> Report:
    """One report for ``runs`` of the same scenario and target (see the module's docstring)."""
    if not runs:
        raise ValueError("no runs to combine")
    if len(runs) == 1:
        return runs[0]
    keys = list(dict.fromkeys(k for run in runs for k in run))
    out: Report = {}
    for key in keys:
        values = [run[key] for run in runs if key in run]
        if key == "error":
            out[key] = "; ".join(dict.fromkeys(str(v) for v in values))
        elif key in WORST:
            out[key] = max((v for v in values if v is not None), default=None)
        elif all(v is None or _number(v) for v in values):
            numbers = [v for v in values if v is not None]
            out[key] = round(statistics.median(numbers), 3) if numbers else None
        elif all(isinstance(v, list) for v in values):
            out[key] = [item for v in values for item in v]
        else:
            out[key] = values[0]
    out["repeat"] = len(runs)
    out["runs"] = list(runs)
    return out
