"""Chaos run of a two-node cluster (PostgreSQL + Redis): the routing owner is killed twice during load.

    python -m bench.chaos [--agents 20] [--requestors 20] [--messages 60] [--interval 0.2] [--lease 4]
                          [--postgres postgresql://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379]

Two nodes ``a`` and ``b`` share a throw-away database and a free Redis database number. Agents and
requestors use the client library with both addresses (as the tray app does without a load balancer).
Each requestor opens a chat and sends ``--messages`` messages, one every ``--interval`` seconds, each
awaited until ``sent``. A third of the way in, the owner is killed (``kill -9``); it is started again
(as a gateway), and two thirds in (but not before every requestor is back) the new owner is killed
too. At the end every chat's agent side is compared with what the requestors had confirmed and with
the store, and the run prints:

* ``lost``: confirmed (``sent``) messages the agent never received, or the store does not hold;
* ``duplicated``: messages an agent received twice, or stored twice;
* ``assigned twice``: chats that reached two different agents;
* ``takeover``: from each kill until another node took routing (the fencing epoch grew in PostgreSQL; s);
* ``recovery``: from each kill to the moment every requestor had a message confirmed again (max, s).

Exit status 1 when any of the first three is not 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psycopg
import redis

from bench.targets import CHEAP_ARGON2, free_port
from onduty.client.net import AgentClient, ClientError, RequestorClient
from onduty.server.cli import LOADGEN_PASSWORD
from onduty.server.store.pg import PostgresStore
from onduty.shared.messages import ChatAssigned, ChatMessage
from onduty.shared.types import Role

QUEUE = "loadtest"


@dataclass
class Node:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def role(self) -> str | None:
        try:
            async with aiohttp.ClientSession() as http, http.get(
                    f"http://127.0.0.1:{self.port}/healthz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                return str((await r.json()).get("role"))
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError):
            return None


@dataclass
class Tally:
    confirmed: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    received: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    assigned: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    confirmed_at: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refused: int = 0
    finished: set[str] = field(default_factory=set)
    """Chats whose requestor sent all of its messages."""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    """Set whenever an agent received a message."""

    async def recovered(self, since: float, requestors: int, within: float = 120.0) -> None:
        """Wait until each requestor had a message confirmed after ``since`` (or has sent all of its own)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            back = [chat in self.finished or any(t > since for t in times) for chat, times in self.confirmed_at.items()]
            if len(back) == requestors and all(back):
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"the requestors did not come back within {within:g} s of a kill")

    def missing(self, chat_ids: list[str]) -> int:
        return sum(len(set(self.confirmed[c]) - set(self.received[c])) for c in chat_ids)


def start_node(name: str, port: int, pg: str, cluster: str, lease: float, work: Path,
               log_level: str = "WARNING") -> Node:
    env = {**os.environ, **CHEAP_ARGON2, "ONDUTY_LEASE_S": str(lease)}
    log = (work / f"{name}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "onduty.server.cli", "--data", str(work / name), "--store", pg, "run",
         "--cluster", cluster, "--node-id", name, "--port", str(port), "--log-level", log_level],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    return Node(name, port, process)


async def until_owner(nodes: list[Node], within: float = 60.0) -> Node:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for node in nodes:
            if node.process.poll() is None and await node.role() == "owner":
                return node
        await asyncio.sleep(0.05)
    raise RuntimeError("no node owns routing")


def free_redis_db(server: str) -> str:
    token = secrets.token_hex(8)
    for db in range(1, 16):
        with redis.Redis.from_url(f"{server}/{db}") as client:
            if client.dbsize() == 0 and client.set("onduty-test:claimed", token, nx=True, ex=3600):
                return f"{server}/{db}"
    raise RuntimeError(f"no free database number on {server}")


async def _took_over(pg: str, epoch: int, killed: float) -> float:
    """Seconds from the kill until another node took routing: the fencing epoch in PostgreSQL went past
    ``epoch`` (it is bumped before the new owner restores and serves; /healthz follows within ~0.1 s)."""
    async with await psycopg.AsyncConnection.connect(pg, autocommit=True) as conn:
        while True:
            cur = await conn.execute("SELECT epoch FROM routing_owner WHERE id = 1")
            row = await cur.fetchone()
            if row is not None and int(row[0]) > epoch:
                return time.monotonic() - killed
            await asyncio.sleep(0.02)


async def _epoch(pg: str) -> int:
    async with await psycopg.AsyncConnection.connect(pg, autocommit=True) as conn:
        cur = await conn.execute("SELECT epoch FROM routing_owner WHERE id = 1")
        row = await cur.fetchone()
        return int(row[0]) if row is not None else 0


async def agent_loop(client: AgentClient, tally: Tally) -> None:
    async for event in client.events():
        if isinstance(event, ChatAssigned):
            tally.assigned[event.chat.chat_id].add(client.username)
        elif isinstance(event, ChatMessage) and event.sender is Role.REQUESTOR:
            tally.received[event.chat_id].append(event.seq)
            tally.arrived.set()


async def requestor_run(client: RequestorClient, index: int, messages: int, interval: float, tally: Tally) -> str:
    chat_id = await client.request_chat(QUEUE, f"Requestor {index}", text="first")
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


async def run(args: argparse.Namespace, pg: str, cluster: str, work: Path) -> dict[str, object]:
    nodes: list[Node] = []
    clients: list[AgentClient | RequestorClient] = []
    try:
        ports = {"a": free_port(), "b": free_port()}
        nodes = [start_node("a", ports["a"], pg, cluster, args.lease, work, args.log_level)]
        await until_owner(nodes)
        nodes.append(start_node("b", ports["b"], pg, cluster, args.lease, work, args.log_level))
        urls = [f"ws://127.0.0.1:{p}" for p in ports.values()]
        tally = Tally()
        agents = [AgentClient(urls, f"loadgen-{i}", password=LOADGEN_PASSWORD, request_timeout=60)
                  for i in range(1, args.agents + 1)]
        clients.extend(agents)
        for agent in agents:
            await agent.start()
            await agent.set_duty(True)
        listening = [asyncio.create_task(agent_loop(agent, tally)) for agent in agents]
        requestors = [RequestorClient(urls, request_timeout=60) for _ in range(args.requestors)]
        clients.extend(requestors)
        for requestor in requestors:
            await requestor.start()
        began = time.monotonic()
        runs = [asyncio.create_task(requestor_run(r, i, args.messages, args.interval, tally))
                for i, r in enumerate(requestors)]
        span = args.messages * args.interval
        kills: list[float] = []
        takeovers: list[asyncio.Task[float]] = []
        for share in (1 / 3, 2 / 3):
            await asyncio.sleep(max(0.0, began + share * span - time.monotonic()))
            if kills:  # the next kill only once every requestor is back from the last one
                await tally.recovered(kills[-1], len(runs))
            owner = await until_owner(nodes)
            epoch = await _epoch(pg)
            owner.process.send_signal(signal.SIGKILL)
            owner.process.wait()
            kills.append(time.monotonic())
            nodes.remove(owner)
            # back as a gateway (it may win the lease itself)
            nodes.append(start_node(owner.name, owner.port, pg, cluster, args.lease, work, args.log_level))
            takeovers.append(asyncio.create_task(_took_over(pg, epoch, kills[-1])))
        chat_ids = await asyncio.wait_for(asyncio.gather(*runs), timeout=span + 120)
        with contextlib.suppress(TimeoutError):  # what is still missing then counts as lost
            async with asyncio.timeout(30):
                while tally.missing(chat_ids):
                    await tally.arrived.wait()
                    tally.arrived.clear()
        for task in listening:
            task.cancel()
        store = PostgresStore(pg)
        await store.open()
        try:
            stored = {c: [m.seq for m in await store.messages_after(c, 0, limit=10_000) if m.sender is Role.REQUESTOR]
                      for c in chat_ids}
        finally:
            await store.close()
        lost = sum(len(set(tally.confirmed[c]) - set(tally.received[c])) + len(set(tally.confirmed[c]) - set(stored[c]))
                   for c in chat_ids)
        duplicated = sum(sum(n - 1 for n in Counter(tally.received[c]).values())
                         + sum(n - 1 for n in Counter(stored[c]).values()) for c in chat_ids)
        twice = sum(1 for c in chat_ids if len(tally.assigned[c]) > 1)
        recovery = []
        for killed in kills:
            after = [min((t for t in tally.confirmed_at[c] if t > killed), default=float("inf")) for c in chat_ids]
            recovery.append(round(max(after) - killed, 2))
        return {"chats": len(chat_ids), "messages_confirmed": sum(len(v) for v in tally.confirmed.values()),
                "lost": lost, "duplicated": duplicated, "assigned_twice": twice, "kills": len(kills),
                "takeover_s": [round(await t, 2) for t in takeovers],
                "recovery_s": recovery, "resent_after_drop": tally.refused, "lease_s": args.lease}
    finally:
        for client in clients:
            await client.close()
        for node in nodes:
            if node.process.poll() is None:
                node.process.terminate()
                await asyncio.to_thread(node.process.wait, 20)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chaos", description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--requestors", type=int, default=20)
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--lease", type=float, default=4.0)
    parser.add_argument("--log-level", default="WARNING",
                        help="the nodes' log level (their logs stay in the work folder)")
    parser.add_argument("--postgres", default=os.environ.get("ONDUTY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--redis", default=os.environ.get("ONDUTY_TEST_REDIS", "redis://127.0.0.1:6379"))
    args = parser.parse_args()
    if args.requestors > args.agents:
        parser.error("--requestors must not exceed --agents (each chat needs a free agent)")
    name = f"onduty_chaos_{secrets.token_hex(4)}"
    with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    cluster = free_redis_db(args.redis)
    work = Path(tempfile.mkdtemp(prefix="onduty-chaos-"))
    pg = f"{args.postgres}/{name}"
    try:
        subprocess.run([sys.executable, "-m", "onduty.server.cli", "--data", str(work / "admin"), "--store", pg,
                        "loadgen-setup", "--agents", str(args.agents), "--queue", QUEUE],
                       check=True, env={**os.environ, **CHEAP_ARGON2}, capture_output=True)
        report = asyncio.run(run(args, pg, cluster, work))
    finally:
        with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        with redis.Redis.from_url(cluster) as client:
            client.flushdb()
    print(f"{'node logs':>20}: {work}")
    for key, value in report.items():
        print(f"{key:>20}: {value}")
    print(json.dumps(report))
    return 0 if report["lost"] == report["duplicated"] == report["assigned_twice"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
