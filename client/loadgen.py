"""``onduty-loadgen``: drive a running server with N agents and M requestors, check the delivery promise.

Agents ``<prefix>1..N`` log in, go on duty and available, answer every requestor message and close
the window when a chat ends. Requestors (at most ``--concurrency`` at a time) request a chat,
send ``--messages`` messages each waiting for the agent's reply, then end the chat. Each message
text starts with a unique key; the receiver looks the key up to measure relay time and to find
lost messages (stored by ``sent`` but never delivered). Prints one JSON object with ``--json``.
Exit code 1 when a message was lost or duplicated or a requestor did not complete; 2 when the
agents could not start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from onduty.client.net import AgentClient, ClientError, ClientEvent, GaveUp, RequestorClient
from onduty.shared.messages import AgentJoined, ChatEnded, ChatMessage
from onduty.shared.types import Presence, Role

log = logging.getLogger("onduty.loadgen")

REPLY_PREFIX = "re:"


def percentile(values: Sequence[float], p: float) -> float | None:
    """Linear-interpolated percentile (``p`` in 0..100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * min(100.0, max(0.0, p)) / 100.0
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Stats:
    """Counters shared by all simulated clients (one process, one loop: no locking needed)."""

    clock: Callable[[], float] = time.perf_counter
    requests: int = 0
    routed: int = 0
    dropped: int = 0
    completed: int = 0
    failed: int = 0
    duplicated: int = 0
    route_ms: list[float] = field(default_factory=list)
    relay_ms: list[float] = field(default_factory=list)
    sent_at: dict[str, float] = field(default_factory=dict)
    confirmed: set[str] = field(default_factory=set)
    delivered: set[str] = field(default_factory=set)
    seen: set[tuple[Role, str, int]] = field(default_factory=set)

    def sending(self, key: str) -> None:
        self.sent_at[key] = self.clock()

    def stored(self, key: str) -> None:
        """The server confirmed the send with ``sent``."""
        self.confirmed.add(key)

    def received(self, receiver: Role, message: ChatMessage) -> str:
        """A message handed to ``receiver``'s application; returns its key."""
        slot = (receiver, message.chat_id, message.seq)
        if slot in self.seen:
            self.duplicated += 1
        self.seen.add(slot)
        key = message.text.split(" ", 1)[0]
        started = self.sent_at.get(key)
        if started is not None and key not in self.delivered:
            self.delivered.add(key)
            self.relay_ms.append((self.clock() - started) * 1000.0)
        return key

    def report(self, duration_s: float, timed_out: bool = False) -> dict[str, Any]:
        delivered = len(self.delivered & self.confirmed)

        def ms(values: list[float], p: float) -> float | None:
            value = percentile(values, p)
            return None if value is None else round(value, 3)

        return {
            "requests": self.requests,
            "routed": self.routed,
            "dropped": self.dropped,
            "completed": self.completed,
            "failed": self.failed,
            "messages_sent": len(self.confirmed),
            "messages_delivered": delivered,
            "lost": len(self.confirmed - self.delivered),
            "duplicated": self.duplicated,
            "route_ms_p50": ms(self.route_ms, 50),
            "route_ms_p99": ms(self.route_ms, 99),
            "relay_ms_p50": ms(self.relay_ms, 50),
            "relay_ms_p99": ms(self.relay_ms, 99),
            "duration_s": round(duration_s, 3),
            "msgs_per_s": round(delivered / duration_s, 1) if duration_s > 0 else 0.0,
            "timed_out": timed_out,
        }


def failed(report: dict[str, Any]) -> bool:
    return bool(
        report["lost"] or report["duplicated"] or report["timed_out"]
        or report["completed"] < report["requests"]
    )


@dataclass(frozen=True)
class Options:
    url: str
    agents: int
    requestors: int
    messages: int
    queue: str = "loadtest"
    password: str = "loadgen-password"
    agent_prefix: str = "loadgen-"
    concurrency: int = 0
    timeout: float = 120.0


class ChatAborted(Exception):
    """The chat ended (or the client stopped) before the requestor was done."""


async def wait_for_event(
    client: RequestorClient, stats: Stats, done: Callable[[ClientEvent], bool]
) -> ClientEvent:
    """Consume the requestor's events (recording messages) until ``done`` matches one."""
    while True:
        event = await client.next_event()
        if isinstance(event, ChatMessage):
            stats.received(Role.REQUESTOR, event)
        if done(event):
            return event
        if isinstance(event, ChatEnded | GaveUp):
            raise ChatAborted(repr(event))


def reply_to(key: str) -> Callable[[ClientEvent], bool]:
    prefix = f"{REPLY_PREFIX}{key} "
    return lambda e: isinstance(e, ChatMessage) and e.text.startswith(prefix)


async def serve_chats(agent: AgentClient, stats: Stats) -> None:
    """Agent behaviour: answer each requestor message; close the window when the chat ends."""
    async for event in agent.events():
        try:
            if isinstance(event, ChatMessage) and event.sender is Role.REQUESTOR:
                key = stats.received(Role.AGENT, event)
                answer = REPLY_PREFIX + key
                stats.sending(answer)
                await agent.send(event.chat_id, f"{answer} thanks")
                stats.stored(answer)
            elif isinstance(event, ChatEnded):
                await agent.close_chat(event.chat_id)
        except ClientError as exc:
            log.warning("agent %s: %r", agent.username, exc)


async def run_requestor(index: int, opts: Options, stats: Stats) -> None:
    client = RequestorClient(opts.url, client_name="onduty-loadgen", request_timeout=opts.timeout)
    stats.requests += 1
    try:
        await client.start()
        started = stats.clock()
        chat_id = await client.request_chat(opts.queue, f"loadgen requestor {index}")

        def joined_or_ended(e: ClientEvent) -> bool:
            return isinstance(e, AgentJoined | ChatEnded) and e.chat_id == chat_id

        first = await wait_for_event(client, stats, joined_or_ended)
        if isinstance(first, ChatEnded):
            stats.dropped += 1
            return
        stats.routed += 1
        stats.route_ms.append((stats.clock() - started) * 1000.0)
        for k in range(opts.messages):
            key = f"r{index}.{k}"
            stats.sending(key)
            await client.send(chat_id, f"{key} message {k} from requestor {index}")
            stats.stored(key)
            await wait_for_event(client, stats, reply_to(key))
        await client.end_chat(chat_id)
        stats.completed += 1
    except (ClientError, ChatAborted, TimeoutError) as exc:
        stats.failed += 1
        log.warning("requestor %d failed: %r", index, exc)
    finally:
        await client.close()


async def start_agent(index: int, opts: Options) -> AgentClient:
    agent = AgentClient(
        opts.url, f"{opts.agent_prefix}{index}", password=opts.password, client_name="onduty-loadgen",
        request_timeout=opts.timeout,
    )
    await agent.start()
    await agent.set_duty(True)
    await agent.set_presence(Presence.AVAILABLE)
    return agent


async def run(opts: Options, stats: Stats) -> float:
    """Run the whole load; returns the duration of the requestor phase in seconds."""
    agents: list[AgentClient] = []
    workers: list[asyncio.Task[None]] = []
    try:
        for agent in await asyncio.gather(*(start_agent(i, opts) for i in range(1, opts.agents + 1))):
            agents.append(agent)
            workers.append(asyncio.create_task(serve_chats(agent, stats)))
        gate = asyncio.Semaphore(opts.concurrency or max(1, opts.requestors))

        async def one(index: int) -> None:
            async with gate:
                await run_requestor(index, opts, stats)

        began = stats.clock()
        await asyncio.gather(*(one(i) for i in range(1, opts.requestors + 1)))
        return stats.clock() - began
    finally:
        for task in workers:
            task.cancel()
        for agent in agents:
            with contextlib.suppress(ClientError, TimeoutError):
                await asyncio.wait_for(agent.logout(), 10.0)


async def main_async(opts: Options) -> tuple[dict[str, Any], int]:
    stats = Stats()
    began = stats.clock()
    try:
        duration = await asyncio.wait_for(run(opts, stats), opts.timeout)
        report = stats.report(duration)
    except TimeoutError:
        report = stats.report(stats.clock() - began, timed_out=True)
    except ClientError as exc:
        report = stats.report(stats.clock() - began)
        report["error"] = f"agents could not start: {exc}"
        return report, 2
    return report, 1 if failed(report) else 0


def parse_args(argv: Sequence[str] | None) -> tuple[Options, argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="onduty-loadgen", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="server base URL, e.g. ws://127.0.0.1:8765")
    parser.add_argument("--agents", type=int, required=True)
    parser.add_argument("--requestors", type=int, required=True)
    parser.add_argument("--messages", type=int, required=True, help="messages per requestor")
    parser.add_argument("--queue", default="loadtest")
    parser.add_argument("--password", default="loadgen-password")
    parser.add_argument("--agent-prefix", default="loadgen-")
    parser.add_argument("--concurrency", type=int, default=0, help="requestors at a time (default: all)")
    parser.add_argument("--timeout", type=float, default=120.0, help="overall limit in seconds")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("-v", "--verbose", action="store_true")
    ns = parser.parse_args(argv)
    opts = Options(
        url=ns.url, agents=ns.agents, requestors=ns.requestors, messages=ns.messages, queue=ns.queue,
        password=ns.password, agent_prefix=ns.agent_prefix, concurrency=ns.concurrency, timeout=ns.timeout,
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
