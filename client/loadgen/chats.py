"""``chat`` mode: agents answering, requestors arriving, waiting, chatting and leaving."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp

from onduty.client.loadgen.probe import ServerWatch
from onduty.client.loadgen.stats import Stats
from onduty.client.loadgen.wire import REPLY_PREFIX, Frame, Refused, Wire, connect, endpoint, next_frame
from onduty.client.loadgen.workload import Options, pad
from onduty.client.net.acks import AckBatch

log = logging.getLogger("onduty.loadgen")


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
        self.acks = AckBatch(self._write_ack)
        """Acks as OnDuty's clients write them: one per chat at the end of a loop turn."""

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
            self.acks.add(frame["chat_id"], frame["seq"])
            if new and key is not None:
                self.delivered(key)
            return new
        elif kind == "error":
            self.stats.error(self.name, frame)
        return False

    async def _write_ack(self, chat_id: str, seq: int) -> None:
        await self.wire.send({"t": "ack", "chat_id": chat_id, "seq": seq})

    async def answer(self, req: str, what: str, chat_id: str | None = None) -> Frame:
        """The answer to request ``req`` (its reply or an ``error`` carrying ``req``); an error raises Refused."""
        frame = await self.until(lambda f: f.get("req") == req, what, chat_id)
        if frame.get("t") == "error":
            raise Refused(f"{self.name}: {what} refused: {frame.get('code')} {frame.get('detail', '')}".rstrip())
        return frame

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
        self.leftovers: set[str] = set()
        """Chats of an earlier run resumed at sign-in: closed at once, their frames not counted."""

    async def take(self, frame: Frame) -> bool:
        if frame.get("t") == "chat_assigned" and frame.get("resumed") and \
                frame["chat"]["chat_id"] not in self.team.offers:
            self.leftovers.add(frame["chat"]["chat_id"])
            await self._leave(frame["chat"])
        if frame.get("chat_id") in self.leftovers:
            return False  # its history and its end are not this run's
        return await super().take(frame)

    async def _leave(self, chat: Frame) -> None:
        """A chat left over from an earlier run (e.g. the server was killed before it stored its close),
        resumed at sign-in: end it if it still runs and close it, so that it does not hold this agent."""
        if chat.get("state") != "ended":
            await self.wire.send({"t": "end_chat", "chat_id": chat["chat_id"]})
        await self.wire.send({"t": "close_chat", "chat_id": chat["chat_id"]})

    async def login(self) -> None:
        req = await self.wire.request({"t": "login", "username": self.name, "password": self.opts.password})
        await self.answer(req, "login")
        await self.answer(await self.wire.request({"t": "set_duty", "on_duty": True}), "set_duty")
        await self.answer(await self.wire.request({"t": "set_presence", "presence": "available"}), "set_presence")

    async def serve(self, relay: bool) -> None:
        async for frame in self.frames:
            new = await self.take(frame)
            if frame.get("chat_id") in self.leftovers:
                continue
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
                wire = await connect(http, endpoint(opts.url_for(index - 1), "/ws/agent"), hello=True)
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


def frame_is(kind: str, chat_id: str | None = None) -> Callable[[Frame], bool]:
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
        wire = await connect(http, endpoint(opts.url_for(index - 1), "/ws/requestor"), hello=True)
        conn = OnDutyConn(wire, name, stats)
        began = team.requested_at[name] = stats.clock()
        req = await wire.request({"t": "request_chat", "queue": queue, "name": name})
        chat_id = (await conn.answer(req, "request_chat"))["chat_id"]
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
        await conn.answer(await wire.request({"t": "end_chat", "chat_id": chat_id}), "end_chat")
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


