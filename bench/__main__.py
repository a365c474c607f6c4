"""Benchmark runner: every scenario against every target in turn, fresh server processes for each run.

    python -m bench [--scenarios a,b]
                    [--targets onduty,onduty-pg,cluster-1,cluster-2,cluster-3,relay,relay-durable,socketio]
                    [--scale 1] [--connections 10000] [--out results] [--profile [cprofile|py-spy]]
                    [--repeat N]

Each run starts a fresh server (``bench.targets``; a cluster target starts all its nodes), drives it with
``onduty-loadgen`` in its own process (every node's address, every node's pid), and keeps the load
generator's JSON; the ``chaos`` scenario instead runs ``bench.chaos`` against a cluster target. The
Markdown table and the JSON go to ``--out`` (``bench-<time>.md/.json`` and ``latest.md/.json``); the table
is also printed. With ``--profile`` the OnDuty server runs under cProfile (main thread only), with
``--profile py-spy`` it is sampled by py-spy (every thread; its collapsed stacks stay in
``profile-<scenario>.py-spy``); the hottest functions of each run go to ``profile-<scenario>.txt``.
With ``--repeat N`` every pair runs N times, in rounds, and the figures are medians (``bench.repeat``).
Exit status 1 when any run lost or duplicated a message, assigned a chat twice, or failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import pstats
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import spy
from bench.repeat import combine
from bench.report import cpu_ticks, machine, markdown, steal_pct
from bench.scenarios import Report, Scenario, cpu_per_message, failed, scenarios
from bench.targets import PROTOCOL, ROOT, TARGETS, Running, TargetError, cluster_size, started


def loadgen_argv(scenario: Scenario, server: Running) -> list[str]:
    """``onduty-loadgen`` with every node's address (round robin) and every node's pid (CPU and RSS summed)."""
    urls = [arg for url in server.urls for arg in ("--url", url)]
    pids = [arg for node in server.nodes for arg in ("--server-pid", str(node.pid))]
    return [sys.executable, "-m", "onduty.client.loadgen", *urls, "--target", PROTOCOL[server.name], *pids,
            "--json", "--timeout", f"{scenario.timeout:g}", *scenario.args]


def drive(scenario: Scenario, server: Running) -> Report:
    if scenario.driver == "chaos":
        from bench import chaos  # the PostgreSQL driver and the client library: only for this scenario

        try:
            return chaos.drive(scenario.args, server, scenario.setup.agents, scenario.timeout)
        except Exception as exc:  # a runner: whatever went wrong is this run's error, the next run goes on
            return {"error": f"chaos: {exc!r}"[-500:]}
    result = subprocess.run(loadgen_argv(scenario, server), capture_output=True, text=True, check=False,
                            timeout=scenario.timeout + 60)
    try:
        report: Report = json.loads(result.stdout.strip().splitlines()[-1])
    except (json.JSONDecodeError, IndexError):
        return {"error": f"load generator exit {result.returncode}: {result.stderr.strip()[-300:]}"}
    if result.returncode != 0:
        report.setdefault("error", f"load generator exit {result.returncode}: {result.stderr.strip()[-300:]}")
    if cluster_size(server.name):
        report.update(cpu_by_node(server, report))
    return report


def cpu_by_node(server: Running, report: Report) -> Report:
    """A cluster's CPU seconds per node (``"b (gateway)": 0.4``) and per role, from the load generator's
    ``server_cpu_s_each`` (its ``server_cpu_s`` is already the sum over the nodes)."""
    each = report.get("server_cpu_s_each") or ([report["server_cpu_s"]] if "server_cpu_s" in report else [])
    if len(each) != len(server.nodes):
        return {}
    roles = [node.role() or "down" for node in server.nodes]
    by_role: dict[str, float] = {}
    for role, seconds in zip(roles, each, strict=True):
        by_role[role] = round(by_role.get(role, 0.0) + seconds, 3)
    return {"server_nodes": len(server.nodes),
            "server_cpu_s_by_node": {f"{node.name} ({role})": seconds
                                     for node, role, seconds in zip(server.nodes, roles, each, strict=True)},
            "server_cpu_s_by_role": by_role}


def summarize_profile(raw: Path, out: Path, top: int = 30) -> None:
    text = io.StringIO()
    stats = pstats.Stats(str(raw), stream=text)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    out.write_text(text.getvalue())


def run_one(scenario: Scenario, target: str, work: Path, out: Path, profile: str | None) -> Report:
    profiled = profile is not None and target in ("onduty", "onduty-pg")
    raw = work / f"profile-{scenario.name}.pstats" if profiled and profile == "cprofile" else None
    sampled = out / f"profile-{scenario.name}.py-spy" if profiled and profile == "py-spy" else None
    try:
        with started(target, scenario.setup, work, raw) as server:
            if sampled is not None:
                with spy.recording(server.pid, sampled):
                    report = drive(scenario, server)
            else:
                report = drive(scenario, server)
    except (TargetError, subprocess.TimeoutExpired) as exc:
        report = {"error": str(exc)[-500:]}
    if raw is not None and raw.exists():
        summarize_profile(raw, out / f"profile-{scenario.name}.txt")
    if sampled is not None and sampled.exists():
        (out / f"profile-{scenario.name}.txt").write_text(spy.summarize(sampled))
    if (per_message := cpu_per_message(report)) is not None:
        report["server_cpu_us_per_msg"] = per_message
    return report


def _runs(value: str) -> int:
    """``--repeat``: a whole number of runs, at least 1."""
    try:
        runs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if runs < 1:
        raise argparse.ArgumentTypeError(f"at least 1 run, not {runs}")
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scenarios", default="", help="comma-separated names (default: all)")
    defaults = ("onduty", "relay", "relay-durable", "socketio")
    parser.add_argument("--targets", default=",".join(t for t in TARGETS if t in defaults),
                        help="comma-separated: onduty, onduty-pg (the PostgreSQL store), cluster-1, cluster-2,"
                             " cluster-3 (that many nodes on PostgreSQL + Redis), relay, relay-durable (the relay"
                             " storing each frame before relaying it), socketio"
                             " (default: onduty, relay, relay-durable, socketio)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply measured durations (longer runs)")
    parser.add_argument("--connections", type=int, default=10_000, help="idle requestor connections")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    parser.add_argument("--profile", nargs="?", const="cprofile", choices=("cprofile", "py-spy"),
                        help="profile the OnDuty server: cProfile (main thread) or py-spy (sampling, every thread)")
    parser.add_argument("--server-env", action="append", default=[], metavar="ONDUTY_SETTING=VALUE",
                        help="extra setting for the OnDuty server (experiments, e.g. ONDUTY_SQLITE_SYNCHRONOUS=NORMAL)")
    parser.add_argument("--repeat", type=_runs, default=1, metavar="N",
                        help="run every scenario on every target N times, in rounds, and report the medians"
                             " (the worst run for lost, duplicated and assigned twice; every run in the JSON)")
    args = parser.parse_args(argv)
    extra = dict(item.split("=", 1) for item in args.server_env)
    chosen = [dataclasses.replace(s, setup=dataclasses.replace(s.setup, env={**s.setup.env, **extra}))
              for s in scenarios(args.scale, args.connections)
              if not args.scenarios or s.name in args.scenarios.split(",")]
    targets = [t for t in args.targets.split(",") if t]
    args.out.mkdir(parents=True, exist_ok=True)
    host = machine(Path(tempfile.gettempdir()))
    ticks = cpu_ticks()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    began = time.monotonic()
    runs: dict[str, dict[str, list[Report]]] = {}
    with tempfile.TemporaryDirectory(prefix="onduty-bench-") as tmp:
        for round_ in range(1, args.repeat + 1):
            for scenario in chosen:
                for target in (t for t in scenario.targets if t in targets):
                    which = f" (run {round_} of {args.repeat})" if args.repeat > 1 else ""
                    print(f"{scenario.name} / {target}{which} ...", file=sys.stderr, flush=True)
                    report = run_one(scenario, target, Path(tmp), args.out, args.profile)
                    runs.setdefault(scenario.name, {}).setdefault(target, []).append(report)
                    summary = {k: report.get(k) for k in ("msgs_per_s", "relay_ms_p99", "route_ms_p99", "lost",
                                                           "duplicated", "assigned_twice", "takeover_s", "recovery_s",
                                                           "error") if report.get(k) is not None}
                    print(f"  {json.dumps(summary)}", file=sys.stderr, flush=True)
    host["cpu_steal_pct"] = steal_pct(ticks, cpu_ticks())
    results = {name: {target: combine(reports) for target, reports in by_target.items()}
               for name, by_target in runs.items()}
    command = shlex.join(["python", "-m", "bench", *(argv if argv is not None else sys.argv[1:])])
    text = markdown(command, stamp, time.monotonic() - began, host, chosen, results, args.repeat)
    document: dict[str, Any] = {"command": command, "started": stamp, "machine": host, "results": results}
    name = "bench-" + stamp.replace(" ", "-").replace(":", "")
    for base in (name, "latest"):
        (args.out / f"{base}.md").write_text(text)
        (args.out / f"{base}.json").write_text(json.dumps(document, indent=1) + "\n")
    sys.stdout.write(text)
    return 1 if any(failed(r) for rs in results.values() for r in rs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
