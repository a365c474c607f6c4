"""``relay`` mode: pairs of connections exchanging messages, on OnDuty or a bare baseline."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import itertools
import logging
import random
from typing import Any

import aiohttp
import msgpack

from onduty.client.loadgen.chats import Delivered, OnDutyConn, Team, frame_is
from onduty.client.loadgen.probe import ServerWatch
from onduty.client.loadgen.stats import Stats
from onduty.client.loadgen.wire import Wire, connect, endpoint
from onduty.client.loadgen.workload import Options, pad

log = logging.getLogger("onduty.loadgen")


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
        wire = await connect(http, endpoint(opts.url_for(index), "/ws/requestor"), hello=True)
        conn = OnDutyConn(wire, f"p{index}r", stats, relay.delivered)
        team.requested_at[name] = stats.clock()
        req = await wire.request({"t": "request_chat", "queue": opts.queue, "name": name})
        chat_id = (await conn.answer(req, "request_chat"))["chat_id"]
        await conn.until(frame_is("agent_joined", chat_id), "agent_joined", chat_id)
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


