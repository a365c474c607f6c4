"""Load generator helpers: percentiles, statistics, the report and its verdict, workload options, req matching."""

from __future__ import annotations

import argparse
import asyncio
import random
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from onduty.client.loadgen import Dist, Stats, failed, pad, parse_args, percentile, queue_of_agent
from onduty.client.loadgen.chats import Agent, Team
from onduty.client.loadgen.probe import ProcessProbe, ServerWatch
from onduty.client.loadgen.wire import Refused, connect, endpoint
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import Error, Login, LoginOk, SetDuty, SetPresence

from .test_agent import PROFILE, STATUS, WAIT


def test_percentile() -> None:
    assert percentile([], 50) is None
    assert percentile([7.0], 99) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == pytest.approx(2.5)
    assert percentile([4.0, 1.0, 3.0, 2.0], 0) == 1.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 100) == 4.0
    assert percentile(list(map(float, range(1, 101))), 99) == pytest.approx(99.01)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_stats_relay_lost_and_duplicated() -> None:
    clock = FakeClock()
    stats = Stats(clock=clock)
    stats.requests = stats.routed = stats.completed = 1
    stats.route_ms.append(12.0)
    for key in ("r1.0", "r1.1", "r1.2"):
        stats.sending(key)
        stats.stored(key)
    clock.now = 0.010
    assert stats.received("agent", "c1", 1, "r1.0")
    clock.now = 0.030
    assert stats.received("agent", "c1", 2, "r1.1")
    assert not stats.received("agent", "c1", 2, "r1.1")  # the same (chat, seq) twice
    assert not stats.received("agent", "c1", 3, "r1.1")  # the same key under another seq
    assert stats.received("requestor", "c1", 2, None)  # the other side's slot, no key
    clock.now = 2.0
    report = stats.report(duration_s=2.0)
    assert report["messages_sent"] == 3
    assert report["messages_delivered"] == 2
    assert report["lost"] == 1  # r1.2 was stored but never delivered
    assert report["lost_sample"] == ["r1.2"]
    assert report["duplicated"] == 2
    assert report["relay_ms_p50"] == pytest.approx(20.0)
    assert report["route_ms_p99"] == 12.0
    assert report["msgs_per_s"] == 1.0
    assert stats.unsettled == 1
    assert failed(report)


def test_measured_window_counts_only_messages_sent_inside_it() -> None:
    clock = FakeClock()
    stats = Stats(clock=clock, measure_from=1.0, measure_until=3.0)
    for at, key in ((0.5, "a.0"), (1.5, "a.1"), (2.0, "a.2")):
        clock.now = at
        stats.sending(key)
        stats.stored(key)
    clock.now = 2.5
    for seq, key in enumerate(("a.0", "a.1", "a.2"), 1):
        stats.received("b", "p1", seq, key)
    clock.now = 5.0
    report = stats.report(duration_s=2.0)
    assert report["messages_delivered"] == 3
    assert report["msgs_per_s"] == 1.0  # two messages in a window of two seconds
    assert report["relay_ms_p50"] == pytest.approx(750.0)
    assert not failed(report)


def test_waits_and_errors_in_the_report() -> None:
    stats = Stats()
    stats.requests, stats.routed, stats.completed, stats.dropped = 4, 3, 3, 1
    stats.wait_s.extend([1.0, 2.0, 3.0])
    stats.error("r1", {"t": "error", "code": "rate_limited", "detail": "", "ref": "send"})
    report = stats.report(1.0)
    assert (report["wait_s_mean"], report["wait_s_p50"]) == (2.0, 2.0)
    assert report["errors"] == {"rate_limited": 1}
    assert not failed(report)  # a dropped request is not a failure


def test_clean_report_passes_and_incomplete_fails() -> None:
    stats = Stats()
    stats.requests = stats.completed = 2
    assert not failed(stats.report(1.0))
    stats.completed = 1
    assert failed(stats.report(1.0))
    assert failed(Stats().report(1.0, timed_out=True))


def test_distributions() -> None:
    rng = random.Random(1)
    assert Dist.parse("3") == Dist(3.0) == Dist.parse("fixed:3")
    assert Dist.parse("exp:2.5") == Dist(2.5, exponential=True)
    assert str(Dist.parse("exp:2.5")) == "exp:2.5"
    with pytest.raises(argparse.ArgumentTypeError):
        Dist.parse("gauss:1")
    with pytest.raises(argparse.ArgumentTypeError):
        Dist.parse("-1")
    assert Dist(3.0).sample(rng) == 3.0
    samples = [Dist(2.0, exponential=True).sample(rng) for _ in range(4000)]
    assert 1.8 < sum(samples) / len(samples) < 2.2
    assert min(Dist(0.3, exponential=True).count(rng) for _ in range(100)) == 1
    assert Dist(0).count(rng) == 0


def test_queues_padding_and_args() -> None:
    assert queue_of_agent(3, "loadtest", 1) == "loadtest"
    assert [queue_of_agent(i, "lt", 2) for i in (1, 2, 3)] == ["lt-1", "lt-2", "lt-1"]
    assert pad("r1.0", 6) == "r1.0.." and pad("r1.0", 2) == "r1.0"
    opts, ns = parse_args(["--url", "ws://h:1", "--agents", "2", "--requestors", "5", "--messages", "3", "--json"])
    assert (opts.agents, opts.requestors, opts.messages, opts.queue, opts.password) == (
        2, 5, Dist(3.0), "loadtest", "loadgen-password",
    )
    assert (opts.agent_prefix, opts.concurrency, opts.timeout, opts.mode, opts.target, ns.json) == (
        "loadgen-", 0, 120.0, "chat", "onduty", True,
    )
    opts, _ = parse_args(["--url", "ws://h:1", "--mode", "relay", "--target", "socketio", "--rate", "50",
                          "--arrival", "poisson", "--think", "exp:4", "--time-scale", "60"])
    assert (opts.mode, opts.target, opts.rate, opts.poisson, opts.think, opts.time_scale) == (
        "relay", "socketio", 50.0, True, Dist(4.0, True), 60.0,
    )


@dataclass(frozen=True)
class FakeProcesses(ProcessProbe):
    """Server processes whose CPU seconds and RSS the test sets."""

    cpu: dict[int, float] = field(default_factory=dict)
    rss: dict[int, int] = field(default_factory=dict)

    def cpu_each(self) -> list[float]:
        return [self.cpu[pid] for pid in self.pids]

    def rss_kib(self) -> int:
        return sum(self.rss[pid] for pid in self.pids)


def test_several_server_pids_are_summed_and_each_ones_cpu_is_kept() -> None:
    opts, _ = parse_args(["--url", "ws://h:1", "--url", "ws://h:2", "--server-pid", "11", "--server-pid", "12"])
    assert opts.server_pids == (11, 12)
    assert [opts.url_for(i) for i in range(3)] == ["ws://h:1", "ws://h:2", "ws://h:1"]
    clock = FakeClock()
    processes = FakeProcesses(opts.server_pids, {11: 5.0, 12: 1.0}, {11: 50_000, 12: 20_000})
    watch = ServerWatch(processes, clock)
    watch.start()
    clock.now = 2.0
    processes.cpu.update({11: 6.5, 12: 1.5})
    assert watch.figures() == {"server_rss_kib_start": 70_000, "server_rss_kib": 70_000, "server_cpu_s": 2.0,
                               "server_cpu_share": 1.0, "server_cpu_s_each": [1.5, 0.5]}
    one = ServerWatch(FakeProcesses((11,), processes.cpu, processes.rss), clock)
    one.start()
    assert "server_cpu_s_each" not in one.figures()  # one server: as before


async def test_the_agent_login_takes_only_the_answers_that_carry_its_req(fake_server: Any) -> None:
    opts, _ = parse_args(["--url", fake_server.url])
    async with aiohttp.ClientSession() as http, asyncio.timeout(WAIT):
        connecting = asyncio.create_task(connect(http, endpoint(fake_server.url, "/ws/agent"), hello=True))
        peer = await fake_server.accept()
        hello = await peer.handshake()
        wire = await connecting
        assert (hello.protocol, bool(hello.req)) == (2, True)
        agent = Agent(wire, "a1", opts, Stats(), random.Random(1), Team())
        signing_in = asyncio.create_task(agent.login())
        login = await peer.recv_type(Login)
        await peer.send(Error(code=ErrorCode.RATE_LIMITED, ref="ack", req="other"))  # not about the login
        await peer.answer(login, LoginOk(token="t", expires_at=9e9, profile=PROFILE))
        duty = await peer.recv_type(SetDuty)
        # A status pushed before the answer (still off duty) is not the answer to set_duty.
        await peer.send(STATUS)
        await peer.answer(duty, STATUS)
        presence = await peer.recv_type(SetPresence)
        await peer.answer(presence, Error(code=ErrorCode.INVALID_VALUE, ref="set_presence"))
        with pytest.raises(Refused, match="set_presence refused: invalid_value"):
            await signing_in
        await asyncio.gather(wire.close(), peer.wait_closed())
