"""The benchmark's pieces, fast: pairing, the baselines driven by the load generator, scenarios and the report.

Behaviour only: nothing here asserts a speed (performance is what ``python -m bench`` prints).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import urllib.request
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import msgpack
import psycopg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bench import chaos, durable_relay, erlang_day, relay_server, sio_server, targets
from bench.pairing import Pairs
from bench.report import cpu_ticks, markdown, steal_pct
from bench.scenarios import GOALS, cpu_per_message, lost_and_duplicated, scenarios
from bench.targets import Setup, started
from onduty.client.loadgen import main_async, parse_args


def test_pairs_join_partner_leave() -> None:
    pairs: Pairs[str] = Pairs()
    assert pairs.join("p1", "a") is None
    assert pairs.partner("a") is None
    assert pairs.join("p1", "b") == "a"
    assert (pairs.partner("a"), pairs.partner("b")) == ("b", "a")
    with pytest.raises(ValueError, match="full"):
        pairs.join("p1", "c")
    pairs.leave("p1", "a")
    assert pairs.partner("b") is None
    assert pairs.join("p1", "d") == "b"


@pytest.fixture(params=["relay", "relay-durable", "socketio"])
async def baseline(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    makers: dict[str, Callable[[], web.Application]] = {
        "relay": relay_server.make_app, "relay-durable": lambda: durable_relay.make_app(tmp_path / "frames.db"),
        "socketio": sio_server.make_app}
    server = TestServer(makers[request.param](), host="127.0.0.1", port=0)
    await server.start_server()
    yield targets.PROTOCOL[request.param], f"ws://127.0.0.1:{server.port}"
    await server.close()


@pytest.mark.parametrize("rate", ["0", "400"])
async def test_load_generator_drives_a_baseline_without_losing_anything(baseline: tuple[str, str], rate: str) -> None:
    target, url = baseline
    opts, _ = parse_args(["--url", url, "--target", target, "--mode", "relay", "--pairs", "2", "--rate", rate,
                          "--duration", "0.2", "--warmup", "0.05", "--message-size", "100", "--timeout", "20"])
    report, code = await main_async(opts)
    assert code == 0, report
    assert report["routed"] == 2
    assert report["messages_delivered"] == report["messages_sent"] > 0
    assert (report["lost"], report["duplicated"]) == (0, 0)


async def test_the_durable_relay_has_stored_a_frame_by_the_time_the_partner_gets_it(tmp_path: Path) -> None:
    server = TestServer(durable_relay.make_app(tmp_path / "frames.db"), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            a = await http.ws_connect(f"ws://127.0.0.1:{server.port}/pair/p1")
            b = await http.ws_connect(f"ws://127.0.0.1:{server.port}/pair/p1")
            assert msgpack.unpackb(await a.receive_bytes())["t"] == "paired"
            assert msgpack.unpackb(await b.receive_bytes())["t"] == "paired"
            await a.send_bytes(b"frame one")
            assert await b.receive_bytes() == b"frame one"
            with sqlite3.connect(tmp_path / "frames.db") as db:  # the relay sends only after the commit
                assert db.execute("SELECT pair, body FROM frames").fetchall() == [("p1", b"frame one")]
            assert msgpack.unpackb(await a.receive_bytes())["t"] == "sent"
            await a.close()
            await b.close()
    finally:
        await server.close()


async def test_idle_connections_on_the_bare_relay() -> None:
    server = TestServer(relay_server.make_app(), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        opts, _ = parse_args(["--url", f"ws://127.0.0.1:{server.port}", "--target", "relay", "--mode", "idle",
                              "--agents", "3", "--requestors", "20", "--timeout", "20"])
        report, code = await main_async(opts)
    finally:
        await server.close()
    assert code == 0, report
    assert report["connections"] == 23


def test_every_scenario_is_a_valid_load_generator_or_chaos_command() -> None:
    names = [s.name for s in scenarios()]
    assert len(names) == len(set(names))
    for scenario in scenarios(scale=2.0, connections=100):
        for target in scenario.targets:
            assert target in targets.TARGETS
            if scenario.driver == "chaos":
                assert targets.cluster_size(target) >= 2
                chaos.parser().parse_args(scenario.args)
                continue
            opts, _ = parse_args(["--url", "ws://127.0.0.1:1", "--target", targets.PROTOCOL[target], *scenario.args])
            assert opts.mode in ("chat", "relay", "idle")
    assert {g.scenario for g in GOALS} <= set(names)


def test_report_judges_the_goals_and_flags_losses() -> None:
    results = {
        "relay-saturation": {"onduty": {"msgs_per_s": 600.0, "lost": 0, "duplicated": 0},
                             "relay": {"msgs_per_s": 1000.0, "lost": 0, "duplicated": 0}},
        "relay-2000": {"onduty": {"relay_ms_p99": 7.5, "lost": 1, "duplicated": 0}},
    }
    assert lost_and_duplicated(results) == ("lost 1, duplicated 0 over 3 runs", False)
    host = {"cpus": 2, "cpu_model": "test cpu", "python": "3.11", "platform": "linux", "load_avg_1m_at_start": 1.0}
    text = markdown("python -m bench", "today", 1.0, host, scenarios(), results)
    assert "| at least 0.5 | 600 / 1,000 msgs/s = 0.60 | met |" in text
    assert "| relay-2000 | relay latency p99 | under 5 ms | 7.5 ms | **not met** |" in text
    assert "| routing-1000 | routing latency p99 | under 10 ms | n/a | not measured |" in text
    assert "| onduty | - | - | - | 600 |" in text


def test_cpu_per_message_and_the_issue_20_goals_are_judged_against_the_relay_of_the_same_run() -> None:
    assert cpu_per_message({"server_cpu_s": 0.5, "messages_delivered": 10_000}) == 50.0
    assert cpu_per_message({"server_cpu_s": 0.5, "messages_delivered": 0}) is None
    assert cpu_per_message({}) is None
    results = {
        "relay-saturation": {"onduty": {"server_cpu_us_per_msg": 60.0}, "relay": {"server_cpu_us_per_msg": 12.0}},
        "relay-2000": {"onduty": {"relay_ms_p99": 2.0}, "relay": {"relay_ms_p99": 0.5},
                       "relay-durable": {"relay_ms_p99": 1.25}},
        "idle-connections": {"onduty": {"connect_s": 10.5}, "relay": {"connect_s": 10.0}},
    }
    host = {"cpus": 2, "cpu_model": "test cpu", "python": "3.11", "platform": "linux", "load_avg_1m_at_start": 1.0,
            "fsync_ms_p50": 0.3, "fsync_ms_p99": 1.5}
    text = markdown("python -m bench", "today", 1.0, host, scenarios(), results)
    assert "fsync p50 0.3 ms, p99 1.5 ms" in text
    assert "| at most 6x the bare relay's | 60 / 12 us = 5.0x | met |" in text
    assert ("| at most 3x the bare relay's and under 5 ms | 2 / 0.5 ms = 4.0x (relay-durable 1.25 ms = 2.5x)"
            " | **not met** |") in text
    assert "| at most 1.1x the bare relay's | 10.5 / 10 s = 1.1x | met |" in text


def test_the_report_says_how_much_cpu_time_the_hypervisor_took_during_the_runs(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text("cpu  100 0 50 800 10 0 5 35 0 0\ncpu0 50 0 25 400 5 0 2 18 0 0\n")
    before = cpu_ticks(stat)
    assert before == [100, 0, 50, 800, 10, 0, 5, 35]
    stat.write_text("cpu  160 0 70 900 10 0 5 55 0 0\n")  # 200 ticks spent, 20 of them stolen
    assert steal_pct(before, cpu_ticks(stat)) == 10.0
    assert steal_pct(before, before) is None  # no time went by
    assert steal_pct(None, before) is None
    assert cpu_ticks(tmp_path / "missing") is None
    host = {"cpus": 2, "cpu_model": "test cpu", "python": "3.11", "platform": "linux", "load_avg_1m_at_start": 1.0,
            "fsync_ms_p50": 0.3, "fsync_ms_p99": 1.5, "cpu_steal_pct": 10.0}
    text = markdown("python -m bench", "today", 1.0, host, scenarios(), {})
    assert "fsync p50 0.3 ms, p99 1.5 ms; the hypervisor took 10.0% of the CPU time during the runs (steal)." in text
    assert "(steal)" not in markdown("python -m bench", "today", 1.0, {**host, "cpu_steal_pct": None}, scenarios(), {})


async def test_a_simulated_poisson_day_waits_as_erlang_c_predicts(tmp_path: Path) -> None:
    """bench.erlang_day, short: onduty-loadgen's Poisson arrivals against a real server on loopback. The seed
    fixes the arrivals and talk times; the waits the server stored are no worse than Erlang C's prediction for
    the load the server stored, give or take (a broken router, e.g. one that used one agent of four, misses by far;
    the quiet-machine figures of the full bench are in docs/console.md)."""
    ns = argparse.Namespace(arrivals_per_hour=120.0, handle_s=60.0, agents=4, hours=1.0, time_scale=240.0,
                            target_s=20.0, wait_epsilon_s=3.0, seed=11, warmup_h=0.25)
    result = await erlang_day.simulate(ns, tmp_path)
    assert result["measured_chats"] >= 60
    # one-sided: on a busy machine the short run waits less than the steady state predicts, never much more
    assert result["p_wait"]["measured"] <= result["p_wait"]["predicted"] + 0.15
    assert result["service_level"]["measured"] >= result["service_level"]["predicted"] - 0.15


def test_the_postgresql_target_runs_on_its_own_database_and_drops_it(tmp_path: Path) -> None:
    with started("onduty-pg", Setup(agents=1), tmp_path) as server:
        with urllib.request.urlopen(server.url.replace("ws://", "http://") + "/healthz", timeout=10) as answer:
            assert json.load(answer)["status"] == "ok"
        (database,) = [d for d in _databases() if d.startswith(f"onduty_bench_{os.getpid()}_")]
        with psycopg.connect(f"{targets.POSTGRES}/{database}", connect_timeout=10) as conn:
            assert conn.execute("SELECT name FROM queues").fetchall() == [("loadtest",)]
    assert database not in _databases()


def _databases() -> list[str]:
    with psycopg.connect(f"{targets.POSTGRES}/postgres", connect_timeout=10) as conn:
        return [str(r[0]) for r in conn.execute("SELECT datname FROM pg_database").fetchall()]
