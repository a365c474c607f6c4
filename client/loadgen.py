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
``--server-pid`` the server's RSS and CPU time are read from ``/proc``. Prints one JSON object with
``--json``. Exit code 1 when a message was lost or duplicated or a requestor did not complete; 2 when the
agents could not start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import itertools
import json
import logging
import math
import os
import random
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import msgpack

log = logging.getLogger("onduty.loadgen")

REPLY_PREFIX = "re:"
PROTOCOL = 1
Frame = dict[str, Any]


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (``p`` in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * min(100.0, max(0.0, p)) / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


# --- figures -------------------------------------------------------------------------------------


@dataclass
class Stats:
    """Counters shared by all simulated clients (one process, one loop: no locking needed).

    Latency samples and throughput only count messages sent inside the measured window
    (``measure_from`` .. ``measure_until``, clock values); loss and duplicates count everything.
    """

    clock: Callable[[], float] = time.perf_counter
    requests: int = 0
    routed: int = 0
    dropped: int = 0
    completed: int = 0
    failed: int = 0
    duplicated: int = 0
    route_ms: list[float] = field(default_factory=list)
    wait_s: list[float] = field(default_factory=list)
    relay_ms: list[float] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)
    delivered: set[str] = field(default_factory=set)
    seen: set[tuple[str, str, int]] = field(default_factory=set)
    measure_from: float = -math.inf
    measure_until: float = math.inf
    in_window: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    """Mode-specific figures (connection times, server RSS/CPU...) merged into the report."""
    unsettled: int = 0
    """Sent but not yet delivered (kept as a count: the sets are too big to compare often)."""
    _settled: asyncio.Event | None = None

    def sending(self, key: str) -> None:
        if key not in self.sent_at:
            self.unsettled += 1
        self.sent_at[key] = self.clock()

    def stored(self, key: str) -> None:
        """The server confirmed the send with ``sent`` (a baseline: the frame was written)."""
        self.confirmed.add(key)

    def error(self, who: str, frame: Frame) -> None:
        """An ``error`` frame from the server: counted per code, the first few logged."""
        errors: dict[str, int] = self.extra.setdefault("errors", {})
        code = str(frame.get("code"))
        errors[code] = errors.get(code, 0) + 1
        if sum(errors.values()) <= 5:
            log.warning("%s: error %s %s (ref %s)", who, code, frame.get("detail"), frame.get("ref"))

    async def settled(self) -> None:
        """Wait until every message sent was delivered (a refused one never is: bound the wait)."""
        self._settled = asyncio.Event()
        if self.unsettled <= 0:
            return
        await self._settled.wait()

    def received(self, receiver: str, chat_id: str, seq: int, key: str | None) -> bool:
        """A message reached ``receiver``; False when it is a duplicate (same slot or same key)."""
        slot = (receiver, chat_id, seq)
        if slot in self.seen or (key is not None and key in self.delivered):
            self.duplicated += 1
            return False
        self.seen.add(slot)
        if key is None:
            return True
        self.delivered.add(key)
        if key in self.sent_at:
            self.unsettled -= 1
            if self.unsettled <= 0 and self._settled is not None:
                self._settled.set()
        now = self.clock()
        started = self.sent_at.get(key)
        if started is not None and started >= self.measure_from and now <= self.measure_until:
            self.relay_ms.append((now - started) * 1000.0)
            self.in_window += 1
        return True

    def report(self, duration_s: float, timed_out: bool = False) -> dict[str, Any]:
        delivered = len(self.delivered & self.confirmed)
        window = min(self.measure_until, self.clock()) - self.measure_from
        if not math.isfinite(window):
            window, counted = duration_s, delivered
        else:
            counted = self.in_window
        waits = self.wait_s

        def ms(values: list[float], p: float) -> float | None:
            return _rounded(percentile(values, p))

        lost = self.confirmed - self.delivered
        report: dict[str, Any] = {
            "requests": self.requests,
            "routed": self.routed,
            "dropped": self.dropped,
            "completed": self.completed,
            "failed": self.failed,
            "messages_sent": len(self.confirmed),
            "messages_delivered": delivered,
            "lost": len(lost),
            "duplicated": self.duplicated,
            "wait_s_mean": _rounded(sum(waits) / len(waits)) if waits else None,
            "wait_s_p50": ms(waits, 50),
            "wait_s_p90": ms(waits, 90),
            "wait_s_p99": ms(waits, 99),
            "route_ms_p50": ms(self.route_ms, 50),
            "route_ms_p99": ms(self.route_ms, 99),
            "relay_ms_p50": ms(self.relay_ms, 50),
            "relay_ms_p99": ms(self.relay_ms, 99),
            "duration_s": round(duration_s, 3),
            "msgs_per_s": round(counted / window, 1) if window > 0 else 0.0,
            "timed_out": timed_out,
        }
        if lost:
            report["lost_sample"] = sorted(lost)[:10]
        report.update(self.extra)
        return report


def failed(report: dict[str, Any]) -> bool:
    return bool(
        report["lost"] or report["duplicated"] or report["timed_out"] or report["failed"]
        or report["completed"] + report["dropped"] < report["requests"]
    )


# --- workload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dist:
    """A fixed value or an exponential distribution with that mean (``"2.5"`` / ``"exp:2.5"``)."""

    mean: float
    exponential: bool = False

    @classmethod
    def parse(cls, text: str) -> Dist:
        kind, _, value = text.rpartition(":")
        if kind not in ("", "fixed", "exp"):
            raise argparse.ArgumentTypeError(f"{text!r}: use N, fixed:N or exp:N")
        try:
            mean = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r}: not a number") from None
        if mean < 0:
            raise argparse.ArgumentTypeError(f"{text!r}: must not be negative")
        return cls(mean, kind == "exp")

    def sample(self, rng: random.Random) -> float:
        if self.exponential and self.mean > 0:
            return rng.expovariate(1.0 / self.mean)
        return self.mean

    def count(self, rng: random.Random) -> int:
        """A whole number of at least 1 (a chat's length in messages)."""
        return max(1, round(self.sample(rng))) if self.mean > 0 else 0

    def __str__(self) -> str:
        return f"exp:{self.mean:g}" if self.exponential else f"{self.mean:g}"


@dataclass(frozen=True)
class Options:
    url: str
    agents: int = 1
    requestors: int = 0
    messages: Dist = Dist(1)
    queue: str = "loadtest"
    password: str = "loadgen-password"
    agent_prefix: str = "loadgen-"
    concurrency: int = 0
    timeout: float = 120.0
    mode: str = "chat"
    target: str = "onduty"
    queues: int = 1
    rate: float = 0.0
    """Chat mode: requests per simulated second (0: all at once). Relay mode: messages/s (0: saturate)."""
    poisson: bool = False
    think: Dist = Dist(0)
    agent_think: Dist = Dist(0)
    time_scale: float = 1.0
    message_size: int = 0
    duration: float = 0.0
    warmup: float = 0.0
    pairs: int = 10
    window: int = 8
    drain: float = 10.0
    server_pid: int | None = None
    seed: int | None = None


def queue_of_agent(index: int, queue: str, queues: int) -> str:
    """Agent ``index`` (1-based) serves one queue: ``queue`` alone, or ``queue-1..Q`` round robin."""
    return queue if queues <= 1 else f"{queue}-{(index - 1) % queues + 1}"


def pad(text: str, size: int) -> str:
    """``text`` filled up with dots to ``size`` characters (never cut)."""
    return text.ljust(size, ".")


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


# --- wires -----------------------------------------------------------------------------------


class Refused(Exception):
    """The server refused a handshake step (error frame or closed connection)."""


class Wire:
    """One raw WebSocket with msgpack frames, no reconnect: the load generator measures, not recovers."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, frame: Frame) -> None:
        await self.ws.send_bytes(msgpack.packb(frame))

    async def send_raw(self, data: bytes) -> None:
        await self.ws.send_bytes(data)

    async def frames(self) -> AsyncIterator[Frame]:
        async for message in self.ws:
            if message.type is aiohttp.WSMsgType.BINARY:
                frame = msgpack.unpackb(message.data)
                if isinstance(frame, dict):
                    yield frame

    async def close(self) -> None:
        with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
            await self.ws.close()


def endpoint(url: str, path: str) -> str:
    return url.rstrip("/") + path


async def connect(http: aiohttp.ClientSession, url: str, hello: bool) -> Wire:
    """Open a WebSocket; with ``hello`` do OnDuty's hello -> welcome."""
    wire = Wire(await http.ws_connect(url, max_msg_size=64 * 1024, autoping=True))
    if hello:
        await wire.send({"t": "hello", "protocol": PROTOCOL, "client": "onduty-loadgen"})
        first = await wire.ws.receive()
        frame = msgpack.unpackb(first.data) if first.type is aiohttp.WSMsgType.BINARY else None
        if not isinstance(frame, dict) or frame.get("t") != "welcome":
            await wire.close()
            raise Refused(f"no welcome from {url}: {frame!r}")
    return wire


async def next_frame(frames: AsyncIterator[Frame], what: str) -> Frame:
    try:
        return await anext(frames)
    except StopAsyncIteration:
        raise Refused(f"connection closed while waiting for {what}") from None


# --- OnDuty clients ------------------------------------------------------------------------------


class ChatAborted(Exception):
    """The chat ended before the requestor was done."""


Delivered = Callable[[str], None]


def _ignore(key: str) -> None:
    """Default delivery hook."""


class OnDutyConn:
    """One OnDuty connection's bookkeeping: confirm our sends, record and ack what arrives."""

    def __init__(self, wire: Wire, name: str, stats: Stats, delivered: Delivered = _ignore) -> None:
        self.wire = wire
        self.name = name
        self.stats = stats
        self.delivered = delivered
        self.frames = wire.frames()

    async def send_message(self, chat_id: str, key: str, text: str) -> None:
        self.stats.sending(key)
        await self.wire.send({"t": "send", "chat_id": chat_id, "client_msg_id": key, "text": text})

    async def take(self, frame: Frame) -> bool:
        """Bookkeeping for ``frame``; True when it is a chat message seen for the first time."""
        kind = frame.get("t")
        if kind == "sent":
            self.stats.stored(frame["client_msg_id"])
        elif kind == "message":
            key = frame.get("client_msg_id")
            new = self.stats.received(self.name, frame["chat_id"], frame["seq"], key)
            await self.wire.send({"t": "ack", "chat_id": frame["chat_id"], "seq": frame["seq"]})
            if new and key is not None:
                self.delivered(key)
            return new
        elif kind == "error":
            self.stats.error(self.name, frame)
        return False

    async def until(self, match: Callable[[Frame], bool], what: str, chat_id: str | None = None) -> Frame:
        """Read (and take) frames until one ``match``es; a ``chat_ended`` of ``chat_id`` aborts."""
        while True:
            frame = await next_frame(self.frames, what)
            await self.take(frame)
            if match(frame):
                return frame
            if chat_id is not None and frame.get("t") == "chat_ended" and frame.get("chat_id") == chat_id:
                raise ChatAborted(f"{self.name}: chat ended ({frame.get('reason')}) while waiting for {what}")

    async def pump(self) -> None:
        """Take frames until the connection closes (relay mode's reader)."""
        async for frame in self.frames:
            await self.take(frame)


class Agent(OnDutyConn):
    """A simulated agent: on duty and available; replies after its think time and closes ended chats."""

    def __init__(self, wire: Wire, name: str, opts: Options, stats: Stats, rng: random.Random,
                 team: Team, delivered: Delivered = _ignore) -> None:
        super().__init__(wire, name, stats, delivered)
        self.opts = opts
        self.rng = rng
        self.team = team
        self.replies: set[asyncio.Task[None]] = set()

    async def login(self) -> None:
        await self.wire.send({"t": "login", "username": self.name, "password": self.opts.password})
        frame = await self.until(lambda f: f.get("t") in ("login_ok", "error"), "login_ok")
        if frame["t"] == "error":
            raise Refused(f"{self.name}: login refused: {frame.get('code')}")
        await self.wire.send({"t": "set_duty", "on_duty": True})
        await self.until(lambda f: f.get("t") == "agent_status" and f["on_duty"], "on duty")
        await self.wire.send({"t": "set_presence", "presence": "available"})
        await self.until(lambda f: f.get("t") == "agent_status" and f["presence"] == "available", "available")

    async def serve(self, relay: bool) -> None:
        async for frame in self.frames:
            new = await self.take(frame)
            match frame.get("t"):
                case "chat_assigned" if not frame.get("resumed"):
                    self._assigned(frame["chat"])
                case "message" if new and not relay and frame.get("sender") == "requestor":
                    task = asyncio.create_task(self._reply(frame["chat_id"], frame.get("client_msg_id") or ""))
                    self.replies.add(task)
                    task.add_done_callback(self.replies.discard)
                case "chat_ended":
                    await self.wire.send({"t": "close_chat", "chat_id": frame["chat_id"]})
                case _:
                    pass

    def _assigned(self, chat: Frame) -> None:
        now = self.stats.clock()
        requested = self.team.requested_at.pop(chat["requestor"]["name"], None)
        if requested is not None:
            self.stats.route_ms.append((now - requested) * 1000.0)
        offer = self.team.offer(chat["chat_id"])
        if not offer.done():
            offer.set_result(self)

    async def _reply(self, chat_id: str, key: str) -> None:
        await asyncio.sleep(self.opts.agent_think.sample(self.rng) / self.opts.time_scale)
        answer = f"{REPLY_PREFIX}{key}"
        with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
            await self.send_message(chat_id, answer, pad(f"{answer} thanks", self.opts.message_size))


class Team:
    """The simulated agents, when each requestor asked (by name) and where each chat went (by chat_id)."""

    def __init__(self) -> None:
        self.agents: list[Agent] = []
        self.tasks: list[asyncio.Task[None]] = []
        self.offers: dict[str, asyncio.Future[Agent]] = {}
        self.requested_at: dict[str, float] = {}

    def offer(self, chat_id: str) -> asyncio.Future[Agent]:
        return self.offers.setdefault(chat_id, asyncio.get_running_loop().create_future())

    async def start(self, http: aiohttp.ClientSession, opts: Options, stats: Stats, rng: random.Random,
                    relay: bool, delivered: Delivered = _ignore, count: int | None = None) -> None:
        gate = asyncio.Semaphore(max(1, opts.concurrency or 200))

        async def one(index: int) -> None:
            async with gate:
                wire = await connect(http, endpoint(opts.url, "/ws/agent"), hello=True)
                agent = Agent(wire, f"{opts.agent_prefix}{index}", opts, stats, rng, self, delivered)
                self.agents.append(agent)
                await agent.login()
                self.tasks.append(asyncio.create_task(agent.serve(relay)))

        await asyncio.gather(*(one(i) for i in range(1, (opts.agents if count is None else count) + 1)))

    async def stop(self) -> None:
        """Log every agent out (its chats go back to the line, the server forgets it at once) and close."""
        for task in self.tasks:
            task.cancel()
        for agent in self.agents:
            for reply in list(agent.replies):
                reply.cancel()
            with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
                await agent.wire.send({"t": "logout"})
            await agent.wire.close()


def _is(kind: str, chat_id: str | None = None) -> Callable[[Frame], bool]:
    return lambda f: f.get("t") == kind and (chat_id is None or f.get("chat_id") == chat_id)


def _reply_to(key: str) -> Callable[[Frame], bool]:
    """The agent's answer to the requestor's message ``key``."""
    reply = REPLY_PREFIX + key
    return lambda f: f.get("t") == "message" and f.get("client_msg_id") == reply


async def run_requestor(index: int, http: aiohttp.ClientSession, opts: Options, stats: Stats,
                        rng: random.Random, team: Team) -> None:
    """One requestor's chat (chat mode): request, wait in line, talk, leave."""
    stats.requests += 1
    name = f"r{index}"
    queue = opts.queue if opts.queues <= 1 else f"{opts.queue}-{rng.randrange(opts.queues) + 1}"
    wire: Wire | None = None
    try:
        wire = await connect(http, endpoint(opts.url, "/ws/requestor"), hello=True)
        conn = OnDutyConn(wire, name, stats)
        began = team.requested_at[name] = stats.clock()
        await wire.send({"t": "request_chat", "queue": queue, "name": name})
        frame = await conn.until(lambda f: f.get("t") in ("chat_requested", "error"), "chat_requested")
        if frame["t"] == "error":
            raise Refused(f"request refused: {frame.get('code')}")
        chat_id = frame["chat_id"]
        frame = await conn.until(lambda f: f.get("t") in ("agent_joined", "chat_ended") and f["chat_id"] == chat_id,
                                 "agent_joined")
        if frame["t"] == "chat_ended":
            team.requested_at.pop(name, None)
            stats.dropped += 1
            return
        stats.routed += 1
        stats.wait_s.append((stats.clock() - began) * opts.time_scale)
        for k in range(opts.messages.count(rng)):
            await asyncio.sleep(opts.think.sample(rng) / opts.time_scale)
            key = f"{name}.{k}"
            await conn.send_message(chat_id, key, pad(f"{key} message {k} from {name}", opts.message_size))
            await conn.until(_reply_to(key), REPLY_PREFIX + key, chat_id)
        await wire.send({"t": "end_chat", "chat_id": chat_id})
        await conn.until(_is("chat_ended", chat_id), "chat_ended")
        stats.completed += 1
    except (Refused, ChatAborted, aiohttp.ClientError, ConnectionError, RuntimeError) as exc:
        stats.failed += 1
        log.warning("requestor %d failed: %r", index, exc)
    finally:
        if wire is not None:
            await wire.close()


Spawn = Callable[[int], Coroutine[Any, Any, None]]


async def arrivals(opts: Options, stats: Stats, rng: random.Random, spawn: Spawn) -> None:
    """Start requestors: all at once (``rate`` 0) or at a fixed / Poisson rate until ``duration`` or the count."""
    tasks: list[asyncio.Task[None]] = []
    if opts.rate <= 0:
        tasks = [asyncio.create_task(spawn(i)) for i in range(1, opts.requestors + 1)]
    else:
        began = due = stats.clock()
        for index in itertools.count(1):
            if opts.requestors and index > opts.requestors:
                break
            if opts.duration and due - began >= opts.duration:
                break
            await asyncio.sleep(max(0.0, due - stats.clock()))
            tasks.append(asyncio.create_task(spawn(index)))
            gap = rng.expovariate(opts.rate) if opts.poisson else 1.0 / opts.rate
            due += gap / opts.time_scale
    await asyncio.gather(*tasks)


async def run_chats(opts: Options, stats: Stats, http: aiohttp.ClientSession, rng: random.Random,
                    watch: ServerWatch) -> float:
    """Chat mode; returns the duration of the requestor phase in seconds."""
    team = Team()
    try:
        await team.start(http, opts, stats, rng, relay=False)
        gate = asyncio.Semaphore(opts.concurrency or opts.requestors or 1_000_000)

        async def one(index: int) -> None:
            async with gate:
                await run_requestor(index, http, opts, stats, rng, team)

        watch.start()
        began = stats.clock()
        await arrivals(opts, stats, rng, one)
        return stats.clock() - began
    finally:
        stats.extra.update(watch.figures())
        await team.stop()


# --- relay mode ----------------------------------------------------------------------------------


class Endpoint:
    """One side of a relaying pair; ``name`` has no dot (keys are ``<name>.<n>``)."""

    name: str

    async def send_message(self, key: str, text: str) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class OnDutyEndpoint(Endpoint):
    """A side of a routed chat: the requestor's or the agent's connection."""

    def __init__(self, name: str, conn: OnDutyConn, chat_id: str, closes: bool) -> None:
        self.name = name
        self.conn = conn
        self.chat_id = chat_id
        self.closes = closes

    async def send_message(self, key: str, text: str) -> None:
        await self.conn.send_message(self.chat_id, key, text)

    async def close(self) -> None:
        if self.closes:
            with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
                await self.conn.wire.send({"t": "end_chat", "chat_id": self.chat_id})
            await self.conn.wire.close()


class BareEndpoint(Endpoint):
    """A side of ``/pair/<id>`` on a baseline: frames shaped like OnDuty's ``message``, numbered by us."""

    def __init__(self, name: str, pair: str, stats: Stats, delivered: Delivered) -> None:
        self.name = name
        self.pair = pair
        self.stats = stats
        self.delivered = delivered
        self.seq = itertools.count(1)
        self.paired = asyncio.Event()

    def packed(self, key: str, text: str) -> bytes:
        frame = {"t": "message", "chat_id": self.pair, "seq": next(self.seq), "client_msg_id": key, "text": text}
        return bytes(msgpack.packb(frame))

    def arrived(self, data: bytes) -> None:
        frame = msgpack.unpackb(data)
        if frame.get("t") == "paired":
            self.paired.set()
        elif frame.get("t") == "message":
            key = frame["client_msg_id"]
            if self.stats.received(self.name, frame["chat_id"], frame["seq"], key):
                self.delivered(key)


class WsEndpoint(BareEndpoint):
    """The bare aiohttp relay."""

    def __init__(self, name: str, pair: str, stats: Stats, delivered: Delivered, wire: Wire) -> None:
        super().__init__(name, pair, stats, delivered)
        self.wire = wire
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.wire.ws:
            if message.type is aiohttp.WSMsgType.BINARY:
                self.arrived(message.data)

    async def send_message(self, key: str, text: str) -> None:
        self.stats.sending(key)
        await self.wire.send_raw(self.packed(key, text))
        self.stats.stored(key)

    async def close(self) -> None:
        self.reader.cancel()
        await self.wire.close()


class SocketIOEndpoint(BareEndpoint):
    """The python-socketio relay (binary ``m`` events)."""

    def __init__(self, name: str, pair: str, stats: Stats, delivered: Delivered) -> None:
        super().__init__(name, pair, stats, delivered)
        self.client: Any = importlib.import_module("socketio").AsyncClient(reconnection=False)
        self.client.on("m", self.arrived)

    async def start(self, url: str) -> None:
        await self.client.connect(url, auth={"pair": self.pair}, transports=["websocket"])

    async def send_message(self, key: str, text: str) -> None:
        self.stats.sending(key)
        await self.client.emit("m", self.packed(key, text))
        self.stats.stored(key)

    async def close(self) -> None:
        await self.client.disconnect()


class Relay:
    """Senders with a window of unanswered messages each (saturation) or one paced sender (fixed rate)."""

    def __init__(self, opts: Options, stats: Stats, rng: random.Random) -> None:
        self.opts = opts
        self.stats = stats
        self.rng = rng
        self.windows: dict[str, asyncio.Semaphore] = {}
        self.stopping = False

    def delivered(self, key: str) -> None:
        window = self.windows.get(key.rpartition(".")[0])
        if window is not None:
            window.release()

    async def saturate(self, side: Endpoint) -> None:
        window = self.windows[side.name] = asyncio.Semaphore(self.opts.window)
        for n in itertools.count():
            await window.acquire()
            if self.stopping:
                return
            key = f"{side.name}.{n}"
            await side.send_message(key, pad(key, self.opts.message_size))

    async def paced(self, sides: list[Endpoint]) -> None:
        due = self.stats.clock()
        for n in itertools.count():
            if self.stopping:
                return
            await asyncio.sleep(max(0.0, due - self.stats.clock()))
            side = sides[n % len(sides)]
            key = f"{side.name}.{n}"
            await side.send_message(key, pad(key, self.opts.message_size))
            due += self.rng.expovariate(self.opts.rate) if self.opts.poisson else 1.0 / self.opts.rate

    def stop(self) -> None:
        self.stopping = True
        for window in self.windows.values():
            for _ in range(self.opts.window):
                window.release()


async def onduty_pairs(opts: Options, stats: Stats, http: aiohttp.ClientSession, rng: random.Random,
                       relay: Relay, team: Team) -> list[Endpoint]:
    """Routed chats: ``pairs`` requestors each get one of ``pairs`` agents."""
    await team.start(http, opts, stats, rng, relay=True, delivered=relay.delivered, count=opts.pairs)
    agents = {agent.name: agent for agent in team.agents}

    async def pair(index: int) -> list[Endpoint]:
        name = f"r{index}"
        wire = await connect(http, endpoint(opts.url, "/ws/requestor"), hello=True)
        conn = OnDutyConn(wire, f"p{index}r", stats, relay.delivered)
        team.requested_at[name] = stats.clock()
        await wire.send({"t": "request_chat", "queue": opts.queue, "name": name})
        chat_id = (await conn.until(_is("chat_requested"), "chat_requested"))["chat_id"]
        await conn.until(_is("agent_joined", chat_id), "agent_joined", chat_id)
        stats.requests += 1
        stats.routed += 1
        agent = await team.offer(chat_id)
        team.tasks.append(asyncio.create_task(conn.pump()))
        return [OnDutyEndpoint(conn.name, conn, chat_id, closes=True),
                OnDutyEndpoint(f"p{index}a", agents[agent.name], chat_id, closes=False)]

    sides = await asyncio.gather(*(pair(i) for i in range(1, opts.pairs + 1)))
    return [side for both in sides for side in both]


async def baseline_pairs(opts: Options, stats: Stats, http: aiohttp.ClientSession,
                         relay: Relay) -> list[Endpoint]:
    async def side(index: int, which: str) -> BareEndpoint:
        name = f"p{index}{which}"
        if opts.target == "socketio":
            sio = SocketIOEndpoint(name, f"p{index}", stats, relay.delivered)
            await sio.start(opts.url.replace("ws://", "http://", 1))
            return sio
        wire = await connect(http, endpoint(opts.url, f"/pair/p{index}"), hello=False)
        return WsEndpoint(name, f"p{index}", stats, relay.delivered, wire)

    async def pair(index: int) -> list[BareEndpoint]:
        both = [await side(index, "a"), await side(index, "b")]
        await asyncio.gather(*(s.paired.wait() for s in both))
        stats.requests += 1
        stats.routed += 1
        return both

    sides = await asyncio.gather(*(pair(i) for i in range(1, opts.pairs + 1)))
    return [side for both in sides for side in both]


async def run_relay(opts: Options, stats: Stats, http: aiohttp.ClientSession, rng: random.Random,
                    watch: ServerWatch) -> float:
    """Relay mode; returns the measured duration."""
    relay = Relay(opts, stats, rng)
    team = Team()
    sides: list[Endpoint] = []
    senders: list[asyncio.Task[None]] = []
    try:
        if opts.target == "onduty":
            sides = await onduty_pairs(opts, stats, http, rng, relay, team)
        else:
            sides = await baseline_pairs(opts, stats, http, relay)
        began = stats.clock()
        stats.measure_from = began + opts.warmup
        stats.measure_until = stats.measure_from + opts.duration
        if opts.rate > 0:
            senders.append(asyncio.create_task(relay.paced(sides)))
        else:
            senders.extend(asyncio.create_task(relay.saturate(side)) for side in sides)
        await asyncio.sleep(opts.warmup)
        watch.start()
        await asyncio.sleep(opts.duration)
        stats.extra.update(watch.figures())
        relay.stop()
        await asyncio.gather(*senders)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stats.settled(), opts.drain)
        stats.completed = stats.requests
        return opts.duration
    finally:
        for task in senders:
            task.cancel()
        for s in sides:
            await s.close()
        await team.stop()


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


# --- the run -------------------------------------------------------------------------------------

MODES = {"chat": run_chats, "relay": run_relay, "idle": run_idle}


async def run(opts: Options, stats: Stats) -> float:
    rng = random.Random(opts.seed)
    watch = ServerWatch(ProcessProbe(opts.server_pid) if opts.server_pid else None, stats.clock)
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
    add("--url", required=True, help="server base URL, e.g. ws://127.0.0.1:8765")
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
    add("--server-pid", type=int, default=None, help="read the server's RSS and CPU time from /proc")
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
        url=ns.url, agents=ns.agents, requestors=ns.requestors, messages=ns.messages, queue=ns.queue,
        password=ns.password, agent_prefix=ns.agent_prefix, concurrency=ns.concurrency, timeout=ns.timeout,
        mode=ns.mode, target=ns.target, queues=ns.queues, rate=ns.rate, poisson=ns.arrival == "poisson",
        think=ns.think, agent_think=ns.agent_think, time_scale=ns.time_scale, message_size=ns.message_size,
        duration=ns.duration, warmup=ns.warmup, pairs=ns.pairs, window=ns.window, drain=ns.drain,
        server_pid=ns.server_pid, seed=ns.seed,
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


if __name__ == "__main__":
    sys.exit(main())
