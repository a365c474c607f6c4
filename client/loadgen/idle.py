"""``idle`` mode: many idle connections, their opening time and memory."""

from __future__ import annotations

import asyncio
import logging
import random

import aiohttp

from onduty.client.loadgen.chats import Team
from onduty.client.loadgen.probe import ServerWatch
from onduty.client.loadgen.stats import Stats
from onduty.client.loadgen.wire import Refused, Wire, connect, endpoint
from onduty.client.loadgen.workload import Options

log = logging.getLogger("onduty.loadgen")


# --- idle mode -----------------------------------------------------------------------------------


async def run_idle(opts: Options, stats: Stats, http: aiohttp.ClientSession, rng: random.Random,
                   watch: ServerWatch) -> float:
    """Idle mode: agents online plus idle requestor connections; returns the time to open the latter."""
    team = Team()
    wires: list[Wire] = []
    gate = asyncio.Semaphore(opts.concurrency or 200)
    probe = watch.probe
    rss_before = probe.rss_kib() if probe else None

    async def one(path: str, hello: bool) -> None:
        async with gate:
            try:
                wires.append(await connect(http, endpoint(opts.url, path), hello))
                stats.completed += 1
            except (Refused, aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
                stats.failed += 1
                log.warning("connection failed: %r", exc)

    try:
        began = stats.clock()
        if opts.target == "onduty":
            await team.start(http, opts, stats, rng, relay=True)
        else:
            stats.requests += opts.agents
            await asyncio.gather(*(one(f"/pair/agent{i}", False) for i in range(opts.agents)))
        agents_s = stats.clock() - began
        stats.requests += opts.requestors
        began = stats.clock()
        path, hello = ("/ws/requestor", True) if opts.target == "onduty" else ("/pair/idle", False)
        await asyncio.gather(*(one(path if hello else f"{path}{i}", hello) for i in range(opts.requestors)))
        opened_s = stats.clock() - began
        connections = len(wires) + len(team.agents)
        stats.extra.update({"connections": connections, "agents_online_s": round(agents_s, 3),
                            "connect_s": round(opened_s, 3)})
        if probe is not None and rss_before is not None:
            watch.start()
            rss = probe.rss_kib()
            stats.extra.update({"server_rss_kib_start": rss_before, "server_rss_kib": rss,
                                "rss_per_conn_kib": round((rss - rss_before) / max(1, connections), 2)})
        return opened_s
    finally:
        await asyncio.gather(*(w.close() for w in wires))
        await team.stop()


