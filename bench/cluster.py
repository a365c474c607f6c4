"""One node against two, on PostgreSQL + Redis, in one run: what the cluster costs and carries.

    python -m bench.cluster [--agents 50] [--requestors 200] [--messages 10] [--rate 0]
                            [--postgres postgresql://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379]

Each target gets a fresh database and Redis database number, ``loadgen-setup`` agents, and then one
``onduty-loadgen`` chat run (every agent and requestor on its own connection):

* ``1 node``: one node (``run --cluster``, so the owner's lease and fencing are paid), every client on it;
* ``2 nodes``: the owner and a gateway, clients spread over both addresses round robin (half of them
  reach the owner through the gateway).

It prints, per target, what the load generator measured (routed, lost, duplicated, messages per second,
relay and routing latency) and the CPU seconds each node used. Exit status 1 when a run lost or
duplicated a message or did not route every request.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import psutil
import psycopg
import redis

from bench.chaos import free_redis_db
from bench.targets import CHEAP_ARGON2, free_port

QUEUE = "loadtest"
FIGURES = ("requests", "routed", "lost", "duplicated", "msgs_per_s", "relay_ms_p50", "relay_ms_p99",
           "route_ms_p50", "route_ms_p99", "duration_s")


def role(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return str(json.loads(answer.read()).get("role"))
    except (OSError, ValueError):
        return None


def until_role(port: int, wanted: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while role(port) != wanted:
        if time.monotonic() > deadline:
            raise RuntimeError(f"node on port {port} is not {wanted}")
        time.sleep(0.05)


def run_target(nodes: int, args: argparse.Namespace) -> dict[str, Any]:
    name = f"onduty_bench_{secrets.token_hex(4)}"
    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    pg = f"{args.postgres}/{name}"
    cluster = free_redis_db(args.redis)
    work = Path(tempfile.mkdtemp(prefix="onduty-bench-cluster-"))
    env = {**os.environ, **CHEAP_ARGON2,
           "ONDUTY_REQUESTOR_RATE_PER_S": "1000000", "ONDUTY_REQUESTOR_RATE_BURST": "1000000"}
    processes: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([sys.executable, "-m", "onduty.server.cli", "--data", str(work / "admin"), "--store", pg,
                        "loadgen-setup", "--agents", str(args.agents), "--queue", QUEUE],
                       check=True, env=env, capture_output=True)
        ports = [free_port() for _ in range(nodes)]
        for i, port in enumerate(ports):
            log = (work / f"node{i}.log").open("wb")
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "onduty.server.cli", "--data", str(work / f"node{i}"), "--store", pg, "run",
                 "--cluster", cluster, "--node-id", f"node{i}", "--port", str(port), "--log-level", "WARNING"],
                stdout=log, stderr=subprocess.STDOUT, env=env))
            until_role(port, "owner" if i == 0 else "gateway")
        cpu_before = [psutil.Process(p.pid).cpu_times() for p in processes]
        urls = [arg for port in ports for arg in ("--url", f"ws://127.0.0.1:{port}")]
        load = subprocess.run(
            [sys.executable, "-m", "onduty.client.loadgen", *urls, "--agents", str(args.agents), "--requestors",
             str(args.requestors), "--messages", str(args.messages), "--rate", str(args.rate), "--message-size", "100",
             "--timeout", "300", "--json"], capture_output=True, text=True, check=False, timeout=400)
        cpu_after = [psutil.Process(p.pid).cpu_times() for p in processes]
        try:
            report: dict[str, Any] = json.loads(load.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            report = {"error": load.stderr[-500:]}
        report["node_cpu_s"] = [round((a.user + a.system) - (b.user + b.system), 2)
                                for a, b in zip(cpu_after, cpu_before, strict=True)]
        report["exit"] = load.returncode
        return report
    finally:
        for process in processes:
            process.terminate()
            process.wait(20)
        with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        with redis.Redis.from_url(cluster) as client:
            client.flushdb()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cluster", description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--requestors", type=int, default=200)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--rate", type=float, default=0.0, help="requests per second (0: all at once)")
    parser.add_argument("--postgres", default=os.environ.get("ONDUTY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("ONDUTY_TEST_REDIS", "redis://127.0.0.1:6379"))
    args = parser.parse_args()
    results = {"1 node": run_target(1, args), "2 nodes": run_target(2, args)}
    print(f"{'figure':>16} | {'1 node':>14} | {'2 nodes':>14}")
    for figure in (*FIGURES, "node_cpu_s"):
        print(f"{figure:>16} | {results['1 node'].get(figure)!s:>14} | {results['2 nodes'].get(figure)!s:>14}")
    print(json.dumps(results))
    ok = all(r.get("lost") == 0 and r.get("duplicated") == 0 and r.get("routed") == r.get("requests")
             for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
