"""The benchmark's cluster targets and its chaos scenario, short: real nodes on PostgreSQL + Redis.

Like the cluster tests, these need this machine's PostgreSQL and Redis (``ONDUTY_BENCH_POSTGRES``,
``ONDUTY_BENCH_REDIS``; ``scripts/test`` starts both) and fail with a clear message, never skip, when they
cannot be reached. Behaviour only: nothing here asserts a speed.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
import redis
from redis.exceptions import RedisError

from bench.__main__ import loadgen_argv, run_one
from bench.report import markdown
from bench.scenarios import NO_RATE_LIMIT, Scenario, failed, lost_and_duplicated, scenarios
from bench.targets import POSTGRES, REDIS, Setup, started


@pytest.fixture
def services() -> None:
    """PostgreSQL and Redis answer (else the test fails, saying which and how to start it)."""
    try:
        with redis.Redis.from_url(f"{REDIS.rstrip('/')}/0", socket_connect_timeout=5) as client:
            client.ping()
    except RedisError as exc:
        pytest.fail(f"Redis at {REDIS} cannot be reached ({exc}); start it (scripts/test does) or set"
                    " ONDUTY_BENCH_REDIS", pytrace=False)
    try:
        psycopg.connect(f"{POSTGRES.rstrip('/')}/postgres", connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {POSTGRES} cannot be reached ({str(exc).strip()}); start it (scripts/test"
                    " does) or set ONDUTY_BENCH_POSTGRES", pytrace=False)


def _databases() -> set[str]:
    """This process's benchmark databases (other tests may make and drop theirs meanwhile)."""
    with psycopg.connect(f"{POSTGRES.rstrip('/')}/postgres", connect_timeout=10) as conn:
        names = {str(r[0]) for r in conn.execute("SELECT datname FROM pg_database").fetchall()}
    return {name for name in names if name.startswith(f"onduty_bench_{os.getpid()}_")}


@pytest.mark.usefixtures("services")
def test_a_two_node_target_is_driven_through_both_nodes_and_counts_both_nodes_cpu(tmp_path: Path) -> None:
    relay = Scenario("relay-small", "4 pairs at 400 msgs/s", ("cluster-2",),
                     ("--mode", "relay", "--pairs", "4", "--rate", "400", "--warmup", "0.2", "--duration", "1",
                      "--message-size", "100", "--seed", "16"), Setup(agents=4, env=NO_RATE_LIMIT), 60)
    before = _databases()
    with started("cluster-2", relay.setup, tmp_path) as server:
        assert [node.role() for node in server.nodes] == ["owner", "gateway"]
        argv = loadgen_argv(relay, server)
        assert [argv[i + 1] for i, a in enumerate(argv) if a == "--url"] == server.urls
        assert [argv[i + 1] for i, a in enumerate(argv) if a == "--server-pid"] == [str(n.pid) for n in server.nodes]
        (database,) = _databases() - before
        assert server.cluster is not None
        claimed = redis.Redis.from_url(server.cluster)
        assert claimed.dbsize() > 0  # the lease and the nodes' addresses
    assert database not in _databases()
    assert claimed.dbsize() == 0
    claimed.close()

    report = run_one(relay, "cluster-2", tmp_path, tmp_path, None)
    assert "error" not in report, report
    assert (report["routed"], report["lost"], report["duplicated"]) == (4, 0, 0)
    assert report["server_nodes"] == 2
    by_node = report["server_cpu_s_by_node"]
    assert list(by_node) == ["a (owner)", "b (gateway)"]
    assert sum(by_node.values()) == pytest.approx(report["server_cpu_s"], abs=0.01)
    assert set(report["server_cpu_s_by_role"]) == {"owner", "gateway"}
    text = markdown("python -m bench", "today", 1.0, {"cpus": 2, "cpu_model": "", "python": "3.11",
                                                       "platform": "linux", "load_avg_1m_at_start": 1.0},
                    [relay], {"relay-small": {"cluster-2": report}})
    assert "cluster-2: server CPU, CPU us/msg and RSS are sums over its 2 node processes; CPU a (owner)" in text


@pytest.mark.usefixtures("services")
def test_chaos_kills_the_owner_and_a_gateway_and_the_third_node_takes_over_without_losing_anything(
        tmp_path: Path) -> None:
    # the killed nodes come back only after the lease (2 s) has expired, so the third node must take over
    chaos = Scenario("chaos", "small", ("cluster-3",),
                     ("--requestors", "4", "--messages", "40", "--interval", "0.1", "--rounds", "1",
                      "--restart-after", "4", "--seed", "16"), Setup(agents=4, env={"ONDUTY_LEASE_S": "2"}),
                     120, driver="chaos")
    report = run_one(chaos, "cluster-3", tmp_path, tmp_path, None)
    assert "error" not in report, report
    assert (report["lost"], report["duplicated"], report["assigned_twice"]) == (0, 0, 0)
    assert (report["chats"], report["messages_confirmed"]) == (4, 160)
    (only,) = report["rounds"]
    assert only["killed"] == {"a": "owner", "b": "gateway"}
    assert only["taken_over_by"] == "c"
    assert 0 < only["takeover_s"] <= only["recovery_s"]  # no chat goes on before a node owns routing again
    assert report["roles_after"] == {"a": "gateway", "b": "gateway", "c": "owner"}
    assert not failed(report)


def test_a_chat_assigned_twice_or_not_back_after_a_kill_fails_the_run_and_shows_in_the_goals() -> None:
    report = {"chats": 20, "lost": 0, "duplicated": 0, "assigned_twice": 1, "takeover_s": [4.1, 4.4],
              "recovery_s": [6.0, 6.5]}
    assert failed(report)
    results = {"chaos": {"cluster-3": report}}
    assert lost_and_duplicated(results) == ("lost 0, duplicated 0 over 1 runs, assigned twice 1 over 1 chaos runs",
                                            False)
    host = {"cpus": 2, "cpu_model": "", "python": "3.11", "platform": "linux", "load_avg_1m_at_start": 1.0}
    text = markdown("python -m bench", "today", 1.0, host, scenarios(), results)
    assert "| cluster-3 | 20 | - | 0 | 0 | 1 | - | 4.1 / 4.4 | 6 / 6.5 | - |" in text
    assert "| 0 / 0 / 0 | cluster-3: 0 / 0 / 1, takeover 4.4 s, recovery 6.5 s | **not met** |" in text

    stuck = {**report, "assigned_twice": 0, "recovery_s": [6.0, None], "error": "a chat did not work again"}
    assert failed(stuck)
    text = markdown("python -m bench", "today", 1.0, host, scenarios(), {"chaos": {"cluster-2": stuck}})
    assert "| 4.1 / 4.4 | 6 / - |" in text
    assert "| cluster-2: 0 / 0 / 0, takeover 4.4 s, recovery not every chat back | **not met** |" in text
