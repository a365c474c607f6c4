"""The benchmark's Markdown table: the machine, one row per (scenario, target), then the goals.

For a cluster target the server figures (CPU, CPU per message, RSS) are sums over its node processes; a line
under the table gives each node's CPU seconds and role."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.scenarios import GOALS, Results, Scenario, lost_and_duplicated

COLUMNS = (
    ("target", "target", None),
    ("requests", "requests", None),
    ("routed", "routed", None),
    ("dropped", "dropped", None),
    ("msgs/s", "msgs_per_s", ",.0f"),
    ("relay p50 / p99 ms", ("relay_ms_p50", "relay_ms_p99"), ".2f"),
    ("route p50 / p99 ms", ("route_ms_p50", "route_ms_p99"), ".2f"),
    ("wait mean / p50 / p90 / p99 s", ("wait_s_mean", "wait_s_p50", "wait_s_p90", "wait_s_p99"), ".2f"),
    ("lost", "lost", None),
    ("dup", "duplicated", None),
    ("server CPU", "server_cpu_share", ".0%"),
    ("CPU us/msg", "server_cpu_us_per_msg", ".1f"),
    ("server RSS MiB", "server_rss_kib", "mib"),
    ("connect s", "connect_s", ".2f"),
    ("KiB/conn", "rss_per_conn_kib", ".1f"),
)

CHAOS_COLUMNS = (
    ("target", "target", None),
    ("chats", "chats", None),
    ("messages confirmed", "messages_confirmed", None),
    ("lost", "lost", None),
    ("dup", "duplicated", None),
    ("assigned twice", "assigned_twice", None),
    ("nodes killed", "kills", None),
    ("takeover s", "takeover_s", "list"),
    ("recovery s", "recovery_s", "list"),
    ("resent", "resent_after_drop", None),
)
"""The ``chaos`` scenario's table (``bench.chaos``): one value per round for the takeover and the recovery."""


def fsync_ms(folder: Path, count: int = 50) -> dict[str, float]:
    """p50 / p99 of an fsync after a 4 KiB write in ``folder``: what one durable commit waits for at least."""
    times = []
    with tempfile.NamedTemporaryFile(dir=folder) as probe:
        for _ in range(count):
            probe.write(b"\0" * 4096)
            probe.flush()
            began = time.perf_counter()
            os.fsync(probe.fileno())
            times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {"fsync_ms_p50": round(times[len(times) // 2], 2), "fsync_ms_p99": round(times[-1 - len(times) // 100], 2)}


_PROC_STAT = Path("/proc/stat")


def cpu_ticks(stat: Path = _PROC_STAT) -> list[int] | None:
    """The machine's CPU time so far, in ticks, as /proc/stat's ``cpu`` line has it (user, nice, system, idle,
    iowait, irq, softirq, steal, ...); None where there is no such file."""
    try:
        first = stat.read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    if not first or first[0] != "cpu" or len(first) < 9:
        return None
    return [int(v) for v in first[1:9]]


def steal_pct(before: list[int] | None, after: list[int] | None) -> float | None:
    """The share of the machine's CPU time that the hypervisor gave to others between two :func:`cpu_ticks`
    (``steal``): on a shared virtual machine, the runs' figures scatter more the higher it is."""
    if before is None or after is None:
        return None
    spent = [b - a for a, b in zip(before, after, strict=True)]
    total = sum(spent)
    return round(100.0 * spent[7] / total, 1) if total > 0 else None


def machine(folder: Path | None = None) -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    host = {"cpus": os.cpu_count(), "cpu_model": model, "python": sys.version.split()[0],
            "platform": platform.platform(), "load_avg_1m_at_start": round(load[0], 2)}
    return {**host, **fsync_ms(folder)} if folder is not None else host


def _cell(report: Mapping[str, Any], key: str | tuple[str, ...], fmt: str | None) -> str:
    if isinstance(key, tuple):
        parts = [_cell(report, k, fmt) for k in key]
        return "-" if all(p == "-" for p in parts) else " / ".join(parts)
    value = report.get(key)
    if value is None:
        return "-"
    if fmt == "list" and isinstance(value, list):
        return " / ".join("-" if v is None else f"{v:g}" for v in value) or "-"
    if fmt == "mib" and isinstance(value, int | float):
        return f"{value / 1024:.0f}"
    if fmt and isinstance(value, int | float):
        return format(value, fmt)
    return str(value)


def nodes_note(target: str, report: Mapping[str, Any]) -> str | None:
    """``cluster-2: server figures summed over 2 nodes; CPU a (owner) 1.2 s, b (gateway) 0.4 s``."""
    each = report.get("server_cpu_s_by_node")
    if not isinstance(each, Mapping) or not each:
        return None
    cpu = ", ".join(f"{node} {seconds:g} s" for node, seconds in each.items())
    nodes = f"sums over its {len(each)} node processes" if len(each) > 1 else "its one node's"
    return f"{target}: server CPU, CPU us/msg and RSS are {nodes}; CPU {cpu}."


def table(scenarios: Sequence[Scenario], results: Results) -> str:
    lines = []
    for scenario in scenarios:
        by_target = results.get(scenario.name)
        if not by_target:
            continue
        columns = CHAOS_COLUMNS if scenario.driver == "chaos" else COLUMNS
        lines += ["", f"**{scenario.name}**: {scenario.title}", "",
                  "| " + " | ".join(title for title, _, _ in columns) + " |",
                  "|" + " --- |" * len(columns)]
        for target, report in by_target.items():
            row = {**report, "target": target}
            if "error" in report:
                row["target"] = f"{target} (error: {str(report['error'])[:80]})"
            lines.append("| " + " | ".join(_cell(row, key, fmt) for _, key, fmt in columns) + " |")
        notes = [note for target, report in by_target.items() if (note := nodes_note(target, report))]
        if notes:
            lines += ["", *notes]
    return "\n".join(lines)


def goals(results: Results) -> str:
    def verdict(ok: bool | None) -> str:
        return "not measured" if ok is None else ("met" if ok else "**not met**")

    lines = ["| scenario | figure | goal | measured | verdict |", "| --- | --- | --- | --- | --- |"]
    for goal in GOALS:
        measured, ok = goal.judge(results.get(goal.scenario, {}))
        lines.append(f"| {goal.scenario} | {goal.figure} | {goal.goal} | {measured} | {verdict(ok)} |")
    measured, ok = lost_and_duplicated(results)
    lines.append(f"| every run | lost, duplicated | 0 | {measured} | {verdict(ok)} |")
    return "\n".join(lines)


def markdown(command: str, started: str, elapsed_s: float, host: Mapping[str, Any],
             scenarios: Sequence[Scenario], results: Results, repeat: int = 1) -> str:
    return "\n".join([
        f"Command: `{command}` (started {started}, took {elapsed_s:.0f} s)",
        "",
        *([f"Each figure is the median of {repeat} runs (lost, duplicated, dropped and assigned twice: the worst run;"
           " every run is in the JSON under `runs`).", ""] if repeat > 1 else []),
        f"Machine: {host['cpus']} CPUs ({host['cpu_model'] or 'unknown model'}), Python {host['python']}, "
        f"{host['platform']}; load average {host['load_avg_1m_at_start']} at the start (shared machine)"
        + (f"; fsync p50 {host['fsync_ms_p50']} ms, p99 {host['fsync_ms_p99']} ms" if "fsync_ms_p50" in host else "")
        + (f"; the hypervisor took {host['cpu_steal_pct']}% of the CPU time during the runs (steal)"
           if host.get("cpu_steal_pct") is not None else "") + ".",
        table(scenarios, results),
        "",
        "Goals (issues 8, 16 and 20):",
        "",
        goals(results),
    ]) + "\n"
