"""A simulated stretch of a working day against a real server: measured waits beside Erlang C's prediction.

    .venv/bin/python -m bench.erlang_day [--arrivals-per-hour 90] [--handle-s 120] [--agents 5] [--hours 4]
                                         [--time-scale 60] [--warmup-h 0.5] [--target-s 20] [--seed 7] [--json]

``onduty-server run`` on a fresh data folder (a queue that drops nobody: Erlang C has no abandonment) and
``onduty-loadgen``'s chat mode: ``--agents`` agents On Duty; requestors arriving as a Poisson process at
``--arrivals-per-hour``, each talking for an exponential time of mean ``--handle-s`` (one message after that
think time; the agent answers at once and closes the window when the requestor leaves). Simulated time runs
``--time-scale`` times faster. Afterwards the arrival rate and mean handle time are read back from the server's
own store (as the console and ``onduty-server report`` read them), Erlang C predicts P(wait), the mean wait and
the service level for that load on ``--agents`` agents, and the waits the server stored (request to agent, after
the first ``--warmup-h`` while the line fills) are printed beside. A wait counts as a wait when it is longer
than ``--wait-epsilon-s`` (simulated; the loopback round trips).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.targets import Setup, started
from onduty.client.loadgen.cli import run
from onduty.client.loadgen.stats import Stats
from onduty.client.loadgen.workload import Dist, Options
from onduty.server.core.staffing import predict
from onduty.server.store.records import ChatRecord
from onduty.server.store.sqlite import SqliteStore


async def _served(data: Path) -> list[ChatRecord]:
    """The chats the server stored (its own clock: real seconds)."""
    folder = await asyncio.to_thread(lambda: next(data.glob("onduty-bench-*")))
    store = SqliteStore(folder / "onduty.sqlite3")
    await store.open()
    try:
        return await store.chats_requested("loadtest", 0.0, 1e12)
    finally:
        await store.close()


async def simulate(ns: argparse.Namespace, work: Path) -> dict[str, Any]:
    real_s = ns.hours * 3600.0 / ns.time_scale
    opts = Options(url="", agents=ns.agents, rate=ns.arrivals_per_hour / 3600.0, poisson=True,
                   think=Dist(ns.handle_s, exponential=True), messages=Dist(1), time_scale=ns.time_scale,
                   duration=real_s, timeout=real_s * 3 + 120.0, seed=ns.seed)
    with started("onduty", Setup(agents=ns.agents, max_wait_s=1e6), work) as server:
        await asyncio.wait_for(run(replace(opts, url=server.url, urls=(server.url,)), Stats()), opts.timeout)
        chats = await _served(work)
    scale = ns.time_scale
    first = chats[0].requested_at
    span_s = (chats[-1].requested_at - first) * scale
    arrivals_per_hour = (len(chats) - 1) / span_s * 3600.0 if span_s else 0.0
    handles = [(c.ended_at - c.assigned_at) * scale for c in chats if c.assigned_at and c.ended_at]
    handle_s = sum(handles) / len(handles)
    # the line starts empty: Erlang C is the steady state, so the first --warmup-h are not measured
    waits = [(c.assigned_at - c.requested_at) * scale for c in chats
             if c.assigned_at is not None and (c.requested_at - first) * scale >= ns.warmup_h * 3600.0]
    model = predict(ns.agents, arrivals_per_hour, handle_s, ns.target_s)
    return {
        "chats": len(chats), "measured_chats": len(waits), "agents": ns.agents, "simulated_hours": ns.hours,
        "warmup_hours": ns.warmup_h, "time_scale": scale,
        "arrivals_per_hour": round(arrivals_per_hour, 1), "handle_mean_s": round(handle_s, 1),
        "traffic_erlangs": round(model.traffic_erlangs, 2),
        "p_wait": {"predicted": round(model.p_wait, 3),
                   "measured": round(sum(w > ns.wait_epsilon_s for w in waits) / len(waits), 3)},
        "mean_wait_s": {"predicted": round(model.mean_wait_s, 1), "measured": round(sum(waits) / len(waits), 1)},
        "service_level": {"predicted": round(model.service_level, 3),
                          "measured": round(sum(w <= ns.target_s for w in waits) / len(waits), 3),
                          "target_s": ns.target_s},
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.erlang_day", description=(__doc__ or "").splitlines()[0])
    add = parser.add_argument
    add("--arrivals-per-hour", type=float, default=90.0)
    add("--handle-s", type=float, default=120.0, help="mean handle time, simulated seconds (exponential)")
    add("--agents", type=int, default=5)
    add("--hours", type=float, default=4.0, help="simulated hours of arrivals")
    add("--time-scale", type=float, default=60.0, help="simulated seconds per real second")
    add("--target-s", type=float, default=20.0)
    add("--wait-epsilon-s", type=float, default=1.0, help="shorter waits count as none (simulated seconds)")
    add("--warmup-h", type=float, default=0.5, help="simulated hours at the start not measured (the line fills)")
    add("--seed", type=int, default=7)
    add("--json", action="store_true")
    ns = parser.parse_args()
    if ns.agents < 1 or ns.time_scale <= 0 or ns.hours <= 0 or ns.arrivals_per_hour <= 0 or ns.handle_s <= 0:
        parser.error("--agents, --time-scale, --hours, --arrivals-per-hour and --handle-s must be positive")
    if not 0 <= ns.warmup_h < ns.hours:
        parser.error("--warmup-h is less than --hours")
    with tempfile.TemporaryDirectory(prefix="onduty-erlang-") as work:
        result = asyncio.run(simulate(ns, Path(work)))
    if ns.json:
        print(json.dumps(result))
        return
    print(f"{result['chats']} chats over {ns.hours:g} simulated hours ({result['measured_chats']} measured after"
          f" {ns.warmup_h:g} h) on {ns.agents} agents "
          f"({result['arrivals_per_hour']}/h, mean handle {result['handle_mean_s']} s, "
          f"{result['traffic_erlangs']} Erlangs), {ns.time_scale:g}x time")
    for key, label in (("p_wait", "P(wait)"), ("mean_wait_s", "mean wait s"), ("service_level", "service level")):
        print(f"{label:>14}: predicted {result[key]['predicted']}  measured {result[key]['measured']}")


if __name__ == "__main__":
    main()
