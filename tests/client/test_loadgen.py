"""Load generator helpers: percentiles, statistics, the report and its verdict, argument parsing."""

from __future__ import annotations

import pytest

from onduty.client.loadgen import Stats, failed, parse_args, percentile, reply_to
from onduty.shared.messages import ChatMessage
from onduty.shared.types import Role


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


def message(seq: int, text: str, chat_id: str = "c1") -> ChatMessage:
    return ChatMessage(chat_id=chat_id, seq=seq, sender=Role.REQUESTOR, sender_name="R", text=text, at=0.0)


def test_stats_relay_lost_and_duplicated() -> None:
    clock = FakeClock()
    stats = Stats(clock=clock)
    stats.requests = stats.routed = stats.completed = 1
    stats.route_ms.append(12.0)
    for key in ("r1.0", "r1.1", "r1.2"):
        stats.sending(key)
        stats.stored(key)
    clock.now = 0.010
    assert stats.received(Role.AGENT, message(1, "r1.0 hello")) == "r1.0"
    clock.now = 0.030
    stats.received(Role.AGENT, message(2, "r1.1 hello"))
    stats.received(Role.AGENT, message(2, "r1.1 hello"))  # the same (chat, seq) twice
    stats.received(Role.REQUESTOR, message(2, "re:r1.1 x"))  # other side, other slot, unknown key
    clock.now = 2.0
    report = stats.report(duration_s=2.0)
    assert report["messages_sent"] == 3
    assert report["messages_delivered"] == 2
    assert report["lost"] == 1  # r1.2 was stored but never delivered
    assert report["duplicated"] == 1
    assert report["relay_ms_p50"] == pytest.approx(20.0)
    assert report["route_ms_p99"] == 12.0
    assert report["msgs_per_s"] == 1.0
    assert failed(report)


def test_clean_report_passes_and_incomplete_fails() -> None:
    stats = Stats()
    stats.requests = stats.completed = 2
    assert not failed(stats.report(1.0))
    stats.completed = 1
    assert failed(stats.report(1.0))
    assert failed(Stats().report(1.0, timed_out=True))


def test_reply_matching_and_args() -> None:
    match = reply_to("r3.1")
    assert match(message(5, "re:r3.1 thanks"))
    assert not match(message(5, "re:r3.10 thanks"))
    opts, ns = parse_args(["--url", "ws://h:1", "--agents", "2", "--requestors", "5", "--messages", "3", "--json"])
    assert (opts.agents, opts.requestors, opts.messages, opts.queue, opts.password) == (
        2, 5, 3, "loadtest", "loadgen-password",
    )
    assert (opts.agent_prefix, opts.concurrency, opts.timeout, ns.json) == ("loadgen-", 0, 120.0, True)
