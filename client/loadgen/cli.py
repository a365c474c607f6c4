"""``onduty-loadgen``: drive a server with simulated agents and requestors and print what it measured.

It is also the benchmark driver (``python -m bench``). Three modes:

``chat`` (default)
    Agents ``<prefix>1..N`` log in, go on duty and available, answer every requestor message after
    their think time and close the window when a chat ends. Requestors arrive all at once (at most
    ``--concurrency`` at a time) or as a fixed-rate / Poisson process (``--rate``); each requests a
    chat, waits in line, sends ``--messages`` messages (fixed or exponential) each after its think
    time and waiting for the agent's reply, then ends the chat. A requestor the server drops from the
    waiting line counts as ``dropped``.
``relay``
    ``--pairs`` connection pairs exchange messages of ``--message-size`` bytes in both directions, at
    ``--rate`` messages/s in total (0: as fast as a window of ``--window`` unanswered messages per
    sender allows) for ``--duration`` seconds after ``--warmup``. On OnDuty a pair is a routed chat.
``idle``
    ``--agents`` agents online and ``--requestors`` idle requestor connections: how long opening them
    took and how much server memory each costs.

``--target`` picks the server: ``onduty`` or one of the bare baselines in ``bench/`` (``relay``: an
aiohttp server relaying msgpack frames between the two connections of ``/pair/<id>``; ``socketio``: the
same on python-socketio). Times given in simulated seconds (think times, arrivals, the queue's max wait
on the server) run ``--time-scale`` times faster; waits are reported in simulated seconds.

Delivery is checked by key: every message's ``client_msg_id`` is unique; a message counts as lost when
the server confirmed it (``sent``; the baselines confirm nothing, so: written) but the other side never
got it, and as duplicated when a receiver gets the same (chat, seq) or the same key twice. With
``--server-pid`` the server's RSS and CPU time are read from ``/proc`` (given several times, e.g. for every node of
a cluster: their sums, and each one's CPU in ``server_cpu_s_each``). Prints one JSON object with
``--json``. Exit code 1 when a message was lost or duplicated or a requestor did not complete; 2 when the
agents could not start.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import sys
from collections.abc import Sequence
from typing import Any

import aiohttp

from onduty.client.loadgen.chats import run_chats
from onduty.client.loadgen.idle import run_idle
from onduty.client.loadgen.probe import ProcessProbe, ServerWatch
from onduty.client.loadgen.relay import run_relay
from onduty.client.loadgen.stats import Stats, failed
from onduty.client.loadgen.wire import Refused
from onduty.client.loadgen.workload import Dist, Options

log = logging.getLogger("onduty.loadgen")


# --- the run -------------------------------------------------------------------------------------

MODES = {"chat": run_chats, "relay": run_relay, "idle": run_idle}


async def run(opts: Options, stats: Stats) -> float:
    rng = random.Random(opts.seed)
    watch = ServerWatch(ProcessProbe(opts.server_pids) if opts.server_pids else None, stats.clock)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as http:
        return await MODES[opts.mode](opts, stats, http, rng, watch)


async def main_async(opts: Options) -> tuple[dict[str, Any], int]:
    stats = Stats()
    began = stats.clock()
    try:
        duration = await asyncio.wait_for(run(opts, stats), opts.timeout)
        report = stats.report(duration)
    except TimeoutError:
        report = stats.report(stats.clock() - began, timed_out=True)
    except (Refused, aiohttp.ClientError, OSError) as exc:
        report = stats.report(stats.clock() - began)
        report["error"] = f"could not start: {exc!r}"
        return report, 2
    report = {"mode": opts.mode, "target": opts.target, **report}
    return report, 1 if failed(report) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onduty-loadgen", description=(__doc__ or "").splitlines()[0])
    add = parser.add_argument
    add("--url", required=True, action="append",
        help="server base URL, e.g. ws://127.0.0.1:8765; repeat for several nodes of a cluster (chat and"
             " relay modes on OnDuty: agents and requestors are spread over them round robin)")
    add("--mode", choices=sorted(MODES), default="chat")
    add("--target", choices=["onduty", "relay", "socketio"], default="onduty",
        help="onduty, or a baseline from bench/ (relay, socketio)")
    add("--agents", type=int, default=1)
    add("--requestors", type=int, default=0, help="chat: requests in total (0: until --duration); idle: connections")
    add("--messages", type=Dist.parse, default=Dist(1), help="messages per chat: N or exp:MEAN")
    add("--queue", default="loadtest")
    add("--queues", type=int, default=1, help="with Q > 1 requests go to QUEUE-1..Q at random")
    add("--password", default="loadgen-password")
    add("--agent-prefix", default="loadgen-")
    add("--concurrency", type=int, default=0, help="requestors (idle: handshakes) at a time (default: all)")
    add("--rate", type=float, default=0.0,
        help="chat: requests per simulated second (0: all at once); relay: messages/s (0: saturate)")
    add("--arrival", choices=["fixed", "poisson"], default="fixed", help="spacing of requests (relay: of messages)")
    add("--think", type=Dist.parse, default=Dist(0), help="requestor think time before each message, simulated s")
    add("--agent-think", type=Dist.parse, default=Dist(0), help="agent think time before each reply, simulated s")
    add("--time-scale", type=float, default=1.0, help="simulated seconds per real second")
    add("--message-size", type=int, default=0, help="message text padded to this many characters")
    add("--duration", type=float, default=0.0, help="seconds of arrivals (chat) or of measuring (relay)")
    add("--warmup", type=float, default=0.0, help="relay: seconds of load before measuring")
    add("--pairs", type=int, default=10, help="relay: connection pairs (OnDuty: chats, one agent each)")
    add("--window", type=int, default=8, help="relay at saturation: unanswered messages per sender")
    add("--drain", type=float, default=10.0, help="relay: seconds to wait for stragglers before counting them lost")
    add("--server-pid", type=int, action="append", default=[],
        help="read the server's RSS and CPU time from /proc; repeat for several processes (summed)")
    add("--seed", type=int, default=None)
    add("--timeout", type=float, default=120.0, help="overall limit in seconds")
    add("--json", action="store_true", help="print one JSON object")
    add("-v", "--verbose", action="store_true")
    return parser


def parse_args(argv: Sequence[str] | None) -> tuple[Options, argparse.Namespace]:
    ns = build_parser().parse_args(argv)
    if ns.time_scale <= 0:
        build_parser().error("--time-scale must be positive")
    opts = Options(
        url=ns.url[0], urls=tuple(ns.url), agents=ns.agents, requestors=ns.requestors, messages=ns.messages,
        queue=ns.queue,
        password=ns.password, agent_prefix=ns.agent_prefix, concurrency=ns.concurrency, timeout=ns.timeout,
        mode=ns.mode, target=ns.target, queues=ns.queues, rate=ns.rate, poisson=ns.arrival == "poisson",
        think=ns.think, agent_think=ns.agent_think, time_scale=ns.time_scale, message_size=ns.message_size,
        duration=ns.duration, warmup=ns.warmup, pairs=ns.pairs, window=ns.window, drain=ns.drain,
        server_pids=tuple(ns.server_pid), seed=ns.seed,
    )
    return opts, ns


def summary(report: dict[str, Any]) -> str:
    lines = [f"{key:>20}: {value}" for key, value in report.items()]
    lines.append("result: " + ("FAILED" if failed(report) or "error" in report else "ok"))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    opts, ns = parse_args(argv)
    logging.basicConfig(level=logging.INFO if ns.verbose else logging.WARNING, stream=sys.stderr)
    report, code = asyncio.run(main_async(opts))
    sys.stdout.write((json.dumps(report) if ns.json else summary(report)) + "\n")
    return code
