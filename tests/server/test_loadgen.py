"""onduty-loadgen against a real server: chats routed, relay pairs and idle connections; nothing lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from onduty.client.loadgen import main_async, parse_args
from onduty.server.auth import Passwords
from onduty.server.store import AgentRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.messages import AgentStatus, ChatAssigned, ChatRequested, Login, LoginOk, RequestChat, SetDuty
from onduty.shared.types import RequestType

from .harness import Harness


@pytest.fixture
async def loadgen_server(tmp_path: Path) -> AsyncIterator[Harness]:
    """Queue ``loadtest`` with agents loadgen-1..5; no requestor rate limit (relay mode sends fast)."""
    h = Harness(tmp_path / "data", requestor_rate_per_s=1e6, requestor_rate_burst=1_000_000)
    h.config.data_dir.mkdir(parents=True)
    store = SqliteStore(h.config.db_path)
    await store.open()
    await store.add_queue(QueueRecord("loadtest", "Load test", "TEST"))
    pw = Passwords(1, 64).hash("loadgen-password")
    for i in range(1, 6):
        await store.add_agent(AgentRecord(f"loadgen-{i}", f"Load {i}", "TEST", "LOAD", ("loadtest",), pw))
    await store.close()
    await h.start()
    yield h
    await h.close()


def ws_url(h: Harness) -> str:
    return h.url("/").rstrip("/").replace("http", "ws")


async def test_loadgen_routes_all_requests_through_a_small_team(loadgen_server: Harness) -> None:
    opts, _ = parse_args(["--url", ws_url(loadgen_server), "--agents", "5", "--requestors", "20",
                          "--messages", "3", "--timeout", "30", "--message-size", "100"])
    report, code = await main_async(opts)
    assert code == 0, report
    assert (report["requests"], report["routed"], report["completed"], report["dropped"]) == (20, 20, 20, 0)
    assert (report["lost"], report["duplicated"]) == (0, 0)
    assert report["messages_delivered"] == report["messages_sent"] == 20 * 3 * 2
    assert report["wait_s_p90"] is not None and report["route_ms_p99"] is not None


async def test_loadgen_arrivals_at_a_rate_with_exponential_chats(loadgen_server: Harness) -> None:
    opts, _ = parse_args(["--url", ws_url(loadgen_server), "--agents", "5", "--rate", "200", "--arrival", "poisson",
                          "--duration", "0.1", "--messages", "exp:2", "--think", "exp:0.01", "--seed", "3",
                          "--time-scale", "10", "--timeout", "30"])
    report, code = await main_async(opts)
    assert code == 0, report
    assert report["requests"] > 0
    assert report["routed"] == report["completed"] == report["requests"]
    assert (report["lost"], report["duplicated"]) == (0, 0)


async def test_loadgen_relay_mode_pairs_requestors_with_agents(loadgen_server: Harness) -> None:
    opts, _ = parse_args(["--url", ws_url(loadgen_server), "--mode", "relay", "--pairs", "3", "--duration", "0.2",
                          "--warmup", "0.05", "--window", "4", "--message-size", "100", "--timeout", "30"])
    report, code = await main_async(opts)
    assert code == 0, report
    assert report["routed"] == 3
    assert report["messages_delivered"] == report["messages_sent"] > 0
    assert (report["lost"], report["duplicated"]) == (0, 0)
    assert report["relay_ms_p99"] is not None


async def test_loadgen_idle_mode_counts_connections(loadgen_server: Harness) -> None:
    opts, _ = parse_args(["--url", ws_url(loadgen_server), "--mode", "idle", "--agents", "2", "--requestors", "7",
                          "--timeout", "30"])
    report, code = await main_async(opts)
    assert code == 0, report
    assert (report["connections"], report["completed"], report["failed"]) == (9, 7, 0)


async def test_a_chat_left_over_from_an_earlier_run_does_not_hold_its_agent(loadgen_server: Harness) -> None:
    # loadgen-1 holds a running chat and its connection drops (e.g. a run stopped, or the server was
    # killed before it stored the close): signing in again resumes it; the load agent closes it at once
    agent = await loadgen_server.connect("/ws/agent")
    await agent.send(Login(username="loadgen-1", password="loadgen-password"))
    await agent.expect(LoginOk)
    await agent.send(SetDuty(on_duty=True))
    await agent.until(AgentStatus, lambda s: s.on_duty)
    requestor = await loadgen_server.connect("/ws/requestor")
    await requestor.send(RequestChat(queue="loadtest", name="Earlier", request_type=RequestType.INFORMATIONAL))
    await requestor.expect(ChatRequested)
    await agent.until(ChatAssigned)
    await agent.ws.close()

    opts, _ = parse_args(["--url", ws_url(loadgen_server), "--agents", "1", "--requestors", "3",
                          "--messages", "2", "--timeout", "20"])
    report, code = await main_async(opts)
    assert code == 0, report
    assert (report["routed"], report["completed"], report["lost"], report["duplicated"]) == (3, 3, 0, 0)
    assert "errors" not in report
