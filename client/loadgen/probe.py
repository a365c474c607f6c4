"""The server process as seen from /proc: RSS and CPU time."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("onduty.loadgen")


# --- the server process ----------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessProbe:
    """RSS and CPU time of a local process, read from ``/proc`` (Linux)."""

    pid: int

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def cpu_s(self) -> float:
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class ServerWatch:
    """Server RSS and CPU over the measured window (nothing without a pid)."""

    probe: ProcessProbe | None
    clock: Callable[[], float]
    started: tuple[float, float, int] | None = None

    def start(self) -> None:
        if self.probe is not None:
            self.started = (self.clock(), self.probe.cpu_s(), self.probe.rss_kib())

    def figures(self) -> dict[str, Any]:
        if self.probe is None or self.started is None:
            return {}
        began, cpu, rss = self.started
        elapsed = self.clock() - began
        used = self.probe.cpu_s() - cpu
        return {"server_rss_kib_start": rss, "server_rss_kib": self.probe.rss_kib(),
                "server_cpu_s": round(used, 3), "server_cpu_share": round(used / elapsed, 3) if elapsed else None}


