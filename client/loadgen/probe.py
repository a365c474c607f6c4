"""The server's processes as seen from /proc: RSS and CPU time (summed over the nodes of a cluster)."""

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
    """RSS and CPU time of local processes, read from ``/proc`` (Linux): one server, or every node of a
    cluster (then the figures are sums over them)."""

    pids: tuple[int, ...]

    def rss_kib(self) -> int:
        return sum(_rss_kib(pid) for pid in self.pids)

    def cpu_each(self) -> list[float]:
        return [_cpu_s(pid) for pid in self.pids]

    def cpu_s(self) -> float:
        return sum(self.cpu_each())


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_s(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class ServerWatch:
    """Server RSS and CPU over the measured window (nothing without a pid). With several pids,
    ``server_cpu_s_each`` has each one's CPU seconds in the order given."""

    probe: ProcessProbe | None
    clock: Callable[[], float]
    started: tuple[float, list[float], int] | None = None

    def start(self) -> None:
        if self.probe is not None:
            self.started = (self.clock(), self.probe.cpu_each(), self.probe.rss_kib())

    def figures(self) -> dict[str, Any]:
        if self.probe is None or self.started is None:
            return {}
        began, cpu, rss = self.started
        elapsed = self.clock() - began
        each = [after - before for after, before in zip(self.probe.cpu_each(), cpu, strict=True)]
        used = sum(each)
        figures: dict[str, Any] = {
            "server_rss_kib_start": rss, "server_rss_kib": self.probe.rss_kib(), "server_cpu_s": round(used, 3),
            "server_cpu_share": round(used / elapsed, 3) if elapsed else None}
        if len(each) > 1:
            figures["server_cpu_s_each"] = [round(s, 3) for s in each]
        return figures
