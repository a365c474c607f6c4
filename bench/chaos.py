"""The ``chaos`` scenario of ``python -m bench`` (cluster targets): ``kill -9`` the routing owner and a
gateway at the same moment, during load, and check that nothing was lost, doubled or assigned twice.

Options (the scenario's arguments, see ``bench/scenarios.py``)::

    --requestors 20 --messages 60 --interval 0.2 --rounds 2 --restart-after 2 --seed 16

The target's agents (``loadgen-1..N``) and ``--requestors`` requestors use the client library (which
reconnects and resumes) with every node's address, each client starting at a different node (round
robin) and going on to the next when one goes away. Each requestor opens a chat and sends ``--messages``
messages, one every ``--interval`` seconds, each awaited until ``sent``. ``--rounds`` times during that
(evenly spread, each once every chat is back from the last one and every node answers again), the node
that owns routing and one gateway are killed with SIGKILL together; both are started again
``--restart-after`` seconds later (the shipped systemd unit's ``RestartSec``), and come back as gateways
unless one of them wins the lease. On ``cluster-3`` the third node stays up, the clients of both dead nodes
come to it, and it takes routing over unless a restarted node asks for the lease first; on ``cluster-2``
the whole cluster is down until the restarts.
At the end every chat's agent side is compared with what its requestor had confirmed and with the store:

* ``lost``: confirmed (``sent``) messages the agent never received, or the store does not hold;
* ``duplicated``: messages an agent received twice, or stored twice;
* ``assigned_twice``: chats that reached two different agents;
* ``takeover_s``: per round, from the kill until another node took routing (the fencing epoch grew in
  PostgreSQL; its ``/healthz`` says ``owner`` within ~0.1 s);
* ``recovery_s``: per round, from the kill until every chat worked again on both sides: its requestor had a
  message confirmed and its agent received one (a side with nothing left to do counts as back).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from bench.nodes import Node
from bench.targets import Running
from onduty.client.net import AgentClient, ClientError, ExponentialBackoff, RequestorClient
from onduty.server.cli import LOADGEN_PASSWORD
from onduty.server.store.pg import PostgresStore
from onduty.shared.messages import ChatAssigned, ChatMessage
from onduty.shared.types import Role

QUEUE = "loadtest"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chaos", description=(__doc__ or "").splitlines()[0])
    p.add_argument("--requestors", type=int, default=20)
    p.add_argument("--messages", type=int, default=60, help="messages per requestor")
    p.add_argument("--interval", type=float, default=0.2, help="seconds between a requestor's messages")
    p.add_argument("--rounds", type=int, default=2, help="times the owner and a gateway are killed")
    p.add_argument("--restart-after", type=float, default=2.0, help="seconds from a kill to the restart")
    p.add_argument("--seed", type=int, default=None, help="seeds the clients' reconnect jitter")
    return p


@dataclass
class Tally:
    confirmed: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    confirmed_at: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    received: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    received_at: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    assigned: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    refused: int = 0
    finished: set[str] = field(default_factory=set)
    """Chats whose requestor sent all of its messages."""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    """Set whenever an agent received a message."""

    def missing(self, chat_id: str) -> int:
        return len(set(self.confirmed[chat_id]) - set(self.received[chat_id]))

    def back_at(self, chat_id: str, since: float) -> float | None:
        """When both sides of the chat worked again after ``since`` (None: not yet)."""
        sent = next((t for t in self.confirmed_at[chat_id] if t > since), None)
        got = next((t for t in self.received_at[chat_id] if t > since), None)
        done = chat_id in self.finished
        if sent is None and done:
            sent = since
        if got is None and done and not self.missing(chat_id):
            got = since
        return None if sent is None or got is None else max(sent, got)

    def recovery(self, since: float, chats: int) -> float | None:
        """Seconds from ``since`` until the last of ``chats`` chats was back (None: not all are)."""
        back = [self.back_at(c, since) for c in list(self.confirmed)]
        if len(back) < chats or None in back:
            return None
        return max((t for t in back if t is not None), default=since) - since

    async def recovered(self, since: float, chats: int, within: float = 120.0) -> bool:
        """Wait until every one of ``chats`` chats is back after ``since`` (False: not within ``within`` s)."""
        deadline = time.monotonic() + within
        while self.recovery(since, chats) is None:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True


async def agent_loop(client: AgentClient, tally: Tally) -> None:
    async for event in client.events():
        if isinstance(event, ChatAssigned):
            tally.assigned[event.chat.chat_id].add(client.username)
        elif isinstance(event, ChatMessage) and event.sender is Role.REQUESTOR:
            tally.received[event.chat_id].append(event.seq)
            tally.received_at[event.chat_id].append(time.monotonic())
            tally.arrived.set()


async def requestor_run(client: RequestorClient, index: int, messages: int, interval: float, tally: Tally) -> str:
    chat_id = await client.request_chat(QUEUE, f"Requestor {index}", text="message 1")
    tally.confirmed[chat_id].append(1)
    tally.confirmed_at[chat_id].append(time.monotonic())
    for n in range(2, messages + 1):
        await asyncio.sleep(interval)
        while True:
            try:
                await client.wait_ready()
                seq = await client.send(chat_id, f"message {n}")
                break
            except ClientError:  # the node went away before the answer: the library resends it (same id)
                tally.refused += 1
        tally.confirmed[chat_id].append(seq)
        tally.confirmed_at[chat_id].append(time.monotonic())
    tally.finished.add(chat_id)
    return chat_id


async def _epoch(store: str) -> int:
    async with await psycopg.AsyncConnection.connect(store, autocommit=True) as conn:
        cur = await conn.execute("SELECT epoch FROM routing_owner WHERE id = 1")
        row = await cur.fetchone()
        return int(row[0]) if row is not None else 0


async def _took_over(store: str, epoch: int, killed: float) -> tuple[float, str]:
    """Seconds from the kill until another node took routing (the fencing epoch in PostgreSQL went past
    ``epoch``; it is bumped before the new owner restores and serves), and that node's name."""
    async with await psycopg.AsyncConnection.connect(store, autocommit=True) as conn:
        while True:
            cur = await conn.execute("SELECT epoch, node FROM routing_owner WHERE id = 1")
            row = await cur.fetchone()
            if row is not None and int(row[0]) > epoch:
                return time.monotonic() - killed, str(row[1])
            await asyncio.sleep(0.02)


async def roles(nodes: Sequence[Node]) -> dict[str, str | None]:
    found = await asyncio.gather(*(asyncio.to_thread(node.role) for node in nodes))
    return {node.name: role for node, role in zip(nodes, found, strict=True)}


async def until_all_answer(nodes: Sequence[Node], within: float = 60.0) -> dict[str, str]:
    """Wait until every node answers ``/healthz`` and one of them owns routing; each one's role."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = await roles(nodes)
        if all(found.values()) and "owner" in found.values():
            return {name: str(role) for name, role in found.items()}
        await asyncio.sleep(0.05)
    raise RuntimeError(f"the nodes did not all answer with an owner among them: {await roles(nodes)}")


def rotated(urls: Sequence[str], index: int) -> list[str]:
    """Every address, starting at the ``index``-th (clients spread over the nodes, round robin)."""
    start = index % len(urls)
    return [*urls[start:], *urls[:start]]


async def run(opts: argparse.Namespace, server: Running, agents_count: int) -> dict[str, Any]:
    if server.store is None or server.cluster is None:
        raise ValueError("the chaos scenario runs on a cluster target")
    nodes = server.nodes
    urls = server.urls
    tally = Tally()
    seeds = random.Random(opts.seed)

    def backoff() -> ExponentialBackoff:
        return ExponentialBackoff(rng=random.Random(seeds.random()))

    clients: list[AgentClient | RequestorClient] = []
    listening: list[asyncio.Task[None]] = []
    restarts: list[asyncio.Task[None]] = []
    try:
        agents = [AgentClient(rotated(urls, i - 1), f"loadgen-{i}", password=LOADGEN_PASSWORD, request_timeout=60,
                              backoff=backoff()) for i in range(1, agents_count + 1)]
        clients.extend(agents)
        for agent in agents:
            await agent.start()
            await agent.set_duty(True)
        listening.extend(asyncio.create_task(agent_loop(agent, tally)) for agent in agents)
        requestors = [RequestorClient(rotated(urls, i + 1), request_timeout=60, backoff=backoff())
                      for i in range(opts.requestors)]
        clients.extend(requestors)
        for requestor in requestors:
            await requestor.start()
        began = time.monotonic()
        runs = [asyncio.create_task(requestor_run(r, i, opts.messages, opts.interval, tally))
                for i, r in enumerate(requestors)]
        span = opts.messages * opts.interval
        rounds: list[dict[str, Any]] = []
        kills: list[float] = []
        takeovers: list[asyncio.Task[tuple[float, str]]] = []
        for k in range(1, opts.rounds + 1):
            await asyncio.sleep(max(0.0, began + k / (opts.rounds + 1) * span - time.monotonic()))
            # the next kill only once every chat is back from the last one and every node answers
            if kills and not await tally.recovered(kills[-1], len(runs)):
                break  # reported as an error below, with what was counted
            found = await until_all_answer(nodes)
            owner = next(n for n in nodes if found[n.name] == "owner")
            victims = [owner, *[n for n in nodes if found[n.name] == "gateway"][:1]]
            epoch = await _epoch(server.store)
            for node in victims:
                node.kill()
            kills.append(time.monotonic())
            takeovers.append(asyncio.create_task(_took_over(server.store, epoch, kills[-1])))
            restarts.append(asyncio.create_task(_restart(victims, opts.restart_after)))
            rounds.append({"killed": {n.name: found[n.name] for n in victims}})
        chat_ids = await asyncio.wait_for(asyncio.gather(*runs), timeout=span + 180)
        with contextlib.suppress(TimeoutError):  # what is still missing then counts as lost
            async with asyncio.timeout(30):
                while sum(tally.missing(c) for c in chat_ids):
                    await tally.arrived.wait()
                    tally.arrived.clear()
        for killed, entry, takeover in zip(kills, rounds, takeovers, strict=True):
            seconds, entry["taken_over_by"] = await asyncio.wait_for(takeover, 60)
            entry["takeover_s"] = round(seconds, 2)
            entry["recovery_s"] = None if (took := tally.recovery(killed, len(chat_ids))) is None else round(took, 2)
        await asyncio.gather(*restarts)
        roles_after = await until_all_answer(nodes)
        stored = await _stored(server.store, chat_ids)
    finally:
        for task in listening:
            task.cancel()
        for client in clients:
            await client.close()
        for task in restarts:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    lost = sum(tally.missing(c) + len(set(tally.confirmed[c]) - set(stored[c])) for c in chat_ids)
    duplicated = sum(sum(n - 1 for n in Counter(tally.received[c]).values())
                     + sum(n - 1 for n in Counter(stored[c]).values()) for c in chat_ids)
    twice = sum(1 for c in chat_ids if len(tally.assigned[c]) > 1)
    report: dict[str, Any] = {} if all(r["recovery_s"] is not None for r in rounds) else {
        "error": "a chat did not work again on both sides after a kill"}
    if len(rounds) < opts.rounds:
        report["error"] = f"a chat did not come back within 120 s of kill {len(rounds)}; {len(rounds)} rounds run"
    return {**report, "chats": len(chat_ids), "messages_confirmed": sum(len(tally.confirmed[c]) for c in chat_ids),
            "lost": lost, "duplicated": duplicated, "assigned_twice": twice,
            "kills": sum(len(r["killed"]) for r in rounds), "rounds": rounds,
            "takeover_s": [r["takeover_s"] for r in rounds], "recovery_s": [r["recovery_s"] for r in rounds],
            "resent_after_drop": tally.refused, "roles_after": roles_after,
            "restart_after_s": opts.restart_after,
            **({"lease_s": float(lease)} if (lease := nodes[0].env.get("ONDUTY_LEASE_S")) else {})}


async def _restart(nodes: Sequence[Node], after: float) -> None:
    await asyncio.sleep(after)
    for node in nodes:
        node.start()


async def _stored(store_url: str, chat_ids: Sequence[str]) -> dict[str, list[int]]:
    """The requestor messages' sequence numbers the store holds, per chat."""
    store = PostgresStore(store_url)
    await store.open()
    try:
        return {c: [m.seq for m in await store.messages_after(c, 0, limit=10_000) if m.sender is Role.REQUESTOR]
                for c in chat_ids}
    finally:
        await store.close()


def drive(args: Sequence[str], server: Running, agents: int, timeout: float) -> dict[str, Any]:
    """Run the scenario with ``args`` (the options above) against a started cluster target, within
    ``timeout`` seconds."""
    opts = parser().parse_args(list(args))
    if opts.requestors > agents:
        raise ValueError("--requestors must not exceed the agents (each chat needs a free agent)")
    return asyncio.run(asyncio.wait_for(run(opts, server, agents), timeout))
