"""onduty-loadgen against a real server: every request routed, nothing lost or duplicated."""

from __future__ import annotations

from pathlib import Path

from onduty.client.loadgen import main_async, parse_args
from onduty.server.auth import Passwords
from onduty.server.store import AgentRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore

from .harness import Harness


async def test_loadgen_routes_all_requests_through_a_small_team(tmp_path: Path) -> None:
    h = Harness(tmp_path / "data")
    h.config.data_dir.mkdir(parents=True)
    store = SqliteStore(h.config.db_path)
    await store.open()
    await store.add_queue(QueueRecord("loadtest", "Load test", "TEST"))
    pw = Passwords(1, 64).hash("loadgen-password")
    for i in range(1, 6):
        await store.add_agent(AgentRecord(f"loadgen-{i}", f"Load {i}", "TEST", "LOAD", ("loadtest",), pw))
    await store.close()
    await h.start()
    try:
        opts, _ = parse_args(["--url", h.url("/").rstrip("/").replace("http", "ws"), "--agents", "5",
                              "--requestors", "20", "--messages", "3", "--timeout", "60"])
        report, code = await main_async(opts)
    finally:
        await h.close()
    assert code == 0, report
    assert (report["requests"], report["routed"], report["completed"], report["dropped"]) == (20, 20, 20, 0)
    assert (report["lost"], report["duplicated"]) == (0, 0)
    assert report["messages_delivered"] == report["messages_sent"] == 20 * 3 * 2
