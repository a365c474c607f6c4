"""The cluster issue's check, as a user runs it: two nodes on PostgreSQL and Redis, ``onduty-loadgen``
spread over both URLs routes every chat with nothing lost or doubled; after kill -9 of the node whose
``/healthz`` says ``owner``, the same run against the survivor is routed in full."""

from __future__ import annotations

from pathlib import Path

import pytest

from onduty.client.loadgen import main_async, parse_args
from onduty.server.auth import Passwords
from onduty.server.store.pg import PostgresStore
from onduty.server.store.records import AgentRecord, QueueRecord
from tests.cluster.nodes import Node, start_node

pytestmark = pytest.mark.timeout(150)


async def seed_loadtest(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    await store.open()
    try:
        await store.add_queue(QueueRecord("loadtest", "Load test", "TEST"))
        pw = Passwords(1, 64).hash("loadgen-password")
        for i in range(1, 6):
            await store.add_agent(AgentRecord(f"loadgen-{i}", f"Load {i}", "TEST", "LOAD", ("loadtest",), pw))
    finally:
        await store.close()


async def run_loadgen(*urls: str) -> dict[str, object]:
    argv = [arg for url in urls for arg in ("--url", url)]
    opts, _ = parse_args([*argv, "--agents", "5", "--requestors", "20", "--messages", "5", "--timeout", "60"])
    report, code = await main_async(opts)
    assert code == 0, report
    return report


async def test_loadgen_over_two_nodes_then_over_the_survivor_of_a_killed_owner(
    pg_url: str, redis_url: str, tmp_path: Path,
) -> None:
    await seed_loadtest(pg_url)
    nodes: list[Node] = [start_node("a", pg_url, redis_url, tmp_path)]
    try:
        await nodes[0].until_role("owner")
        nodes.append(start_node("b", pg_url, redis_url, tmp_path))
        await nodes[1].until_role("gateway")
        report = await run_loadgen(nodes[0].url, nodes[1].url)
        assert (report["requests"], report["routed"], report["lost"], report["duplicated"]) == (20, 20, 0, 0)

        roles = [(await n.health() or {}).get("role") for n in nodes]
        assert roles == ["owner", "gateway"]
        owner = nodes[roles.index("owner")]
        owner.kill()
        survivor = next(n for n in nodes if n is not owner)
        await survivor.until_role("owner")
        report = await run_loadgen(survivor.url)
        assert (report["requests"], report["routed"], report["lost"], report["duplicated"]) == (20, 20, 0, 0)
    finally:
        for node in nodes:
            node.stop()
