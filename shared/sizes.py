"""Sizes in units people read: ``999 B``, ``4.9 KB``, ``10 MB`` (binary units, one decimal below 10 when it
is not 0), the same as the widget's ``formatSize``."""

from __future__ import annotations

UNITS = ("B", "KB", "MB", "GB")


def human_size(n: int) -> str:
    value = float(n)
    unit = 0
    while value >= 1024 and unit < len(UNITS) - 1:
        value /= 1024
        unit += 1
    shown = str(round(value)) if unit == 0 or value >= 10 else f"{round(value, 1):g}"
    return f"{shown} {UNITS[unit]}"
