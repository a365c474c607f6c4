"""Open/close, group-commit batches, restart survival and schema migrations."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import sqlite3
import threading
from collections.abc import Callable

import pytest

from onduty.server.store.base import Store, StoreError
from onduty.server.store.records import (
    AgentRecord,
    AuditEntry,
    ChatRecord,
    QueueRecord,
    SessionRecord,
    SiteRecord,
)
from onduty.server.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate, user_version
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.types import ChatState, RequestType, Role


def _as_store(s: SqliteStore) -> Store:
    """Type-level check that SqliteStore satisfies the Store protocol."""
    return s


def _raw(path: pathlib.Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(path, isolation_level=None))


def _store_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("onduty-store")]


async def test_pragmas(store: SqliteStore, db_path: pathlib.Path) -> None:
    _as_store(store)
    with _raw(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert user_version(conn) == SCHEMA_VERSION


def test_bad_synchronous_refused(db_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SqliteStore(db_path, synchronous="SOMETIMES")


async def test_one_failing_op_does_not_fail_its_batch(store: SqliteStore) -> None:
    await store.add_queue(QueueRecord(name="taken"))
    before = store.stats.commits
    results = await asyncio.gather(
        store.add_queue(QueueRecord(name="a")),
        store.add_queue(QueueRecord(name="taken", title="again")),
        store.add_queue(QueueRecord(name="b")),
        store.add_site(SiteRecord(name="s", secret="x")),
        return_exceptions=True,
    )
    assert store.stats.commits == before + 1  # all four went in one transaction
    assert results[0] is None
    assert isinstance(results[1], StoreError)
    assert results[2] is None
    assert results[3] is None
    assert [q.name for q in await store.list_queues()] == ["a", "b", "taken"]
    assert await store.get_queue("taken") == QueueRecord(name="taken")


async def test_failed_op_is_rolled_back_alone(store: SqliteStore) -> None:
    """add_agent writes rows before it can fail on a duplicate queue; none of them may remain."""
    await store.add_queue(QueueRecord(name="q1"))
    agent = AgentRecord("bob", "Bob", "eu", "x", ("q1",), "h")
    results = await asyncio.gather(
        store.add_agent(agent),
        store.add_agent(AgentRecord("eve", "Eve", "eu", "x", ("q1", "ghost"), "h")),
        return_exceptions=True,
    )
    assert results[0] is None
    assert isinstance(results[1], StoreError)
    assert await store.list_agents() == [agent]


async def test_restart_survival(db_path: pathlib.Path, make_chat: Callable[..., ChatRecord]) -> None:
    first = SqliteStore(db_path)
    await first.open()
    agent = AgentRecord("bob", "Bob", "eu", "x", ("q1",), "h", capacity=2, created_at=5.0)
    chat = make_chat("c1")
    await first.add_queue(QueueRecord(name="q1"))
    await first.add_agent(agent)
    await first.add_site(SiteRecord("shop", "s"))
    await first.add_session(SessionRecord("th", "bob", 99.0))
    await first.create_chat(chat)
    await first.update_chat("c1", state=ChatState.ACTIVE, agent="bob", assigned_at=101.0)
    m, _ = await first.append_message("c1", Role.REQUESTOR, "R", "hello", 102.0, "m1")
    await first.ack("c1", Role.AGENT, 1)
    await first.audit(AuditEntry(at=101.0, kind="assigned", chat_id="c1", agent="bob"))
    await first.close()

    second = SqliteStore(db_path)
    await second.open()
    try:
        assert await second.get_queue("q1") == QueueRecord(name="q1")
        assert await second.get_agent("bob") == agent
        assert await second.get_site("shop") == SiteRecord("shop", "s")
        assert await second.get_session("th") == SessionRecord("th", "bob", 99.0)
        reopened = await second.get_chat("c1")
        assert reopened is not None
        assert (reopened.state, reopened.agent, reopened.last_seq) == (ChatState.ACTIVE, "bob", 1)
        assert [c.chat_id for c in await second.open_chats()] == ["c1"]
        assert await second.messages_after("c1", 0) == [m]
        assert await second.acked("c1", Role.AGENT) == 1
        assert [e.kind for e in await second.audit_log("c1")] == ["assigned"]
        # dedupe and numbering continue across the restart
        again, new = await second.append_message("c1", Role.REQUESTOR, "R", "hello", 103.0, "m1")
        assert (again, new) == (m, False)
        nxt, _ = await second.append_message("c1", Role.AGENT, "Bob", "hi", 104.0, None)
        assert nxt.seq == 2
    finally:
        await second.close()


async def test_close_drains_queued_writes(db_path: pathlib.Path, make_chat: Callable[..., ChatRecord]) -> None:
    store = SqliteStore(db_path)
    await store.open()
    await store.add_queue(QueueRecord(name="q1"))
    await store.create_chat(make_chat("c1"))
    appends = [asyncio.create_task(store.append_message("c1", Role.AGENT, "B", str(i), 1.0, None)) for i in range(50)]
    # the append tasks run first (queueing their writes), then close: it must wait for them
    await asyncio.gather(*appends, store.close())
    assert sorted(t.result()[0].seq for t in appends) == list(range(1, 51))
    assert not _store_threads()
    with _raw(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 50


async def test_use_after_close_refused(store: SqliteStore) -> None:
    await store.close()
    with pytest.raises(StoreError, match="not open"):
        await store.get_queue("q1")
    with pytest.raises(StoreError, match="not open"):
        await store.add_queue(QueueRecord(name="q1"))
    await store.close()  # closing twice is harmless


async def test_migrates_empty_database(db_path: pathlib.Path) -> None:
    with _raw(db_path) as conn:  # an existing, empty file at user_version 0
        conn.execute("CREATE TABLE unrelated (x)")
        assert user_version(conn) == 0
    store = SqliteStore(db_path)
    await store.open()
    await store.add_queue(QueueRecord(name="q1"))
    await store.close()
    with _raw(db_path) as conn:
        assert user_version(conn) == SCHEMA_VERSION
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"queues", "agents", "agent_queues", "sites", "sessions", "chats", "messages", "cursors"} <= tables
    assert "audit" in tables


def test_migrate_applies_only_newer_steps(db_path: pathlib.Path) -> None:
    with _raw(db_path) as conn:
        assert migrate(conn) == 0
        conn.execute("INSERT INTO queues (name, max_wait_s, anonymous) VALUES ('q1', 1.0, 1)")
        extra = (*MIGRATIONS, "ALTER TABLE queues ADD COLUMN colour TEXT NOT NULL DEFAULT 'blue';")
        assert migrate(conn, extra) == SCHEMA_VERSION
        assert user_version(conn) == SCHEMA_VERSION + 1
        assert conn.execute("SELECT name, colour FROM queues").fetchall() == [("q1", "blue")]
        assert migrate(conn, extra) == SCHEMA_VERSION + 1  # nothing left to do


def test_failed_migration_leaves_previous_version(db_path: pathlib.Path) -> None:
    with _raw(db_path) as conn:
        migrate(conn)
        broken = (*MIGRATIONS, "CREATE TABLE fine (x); CREATE TABLE queues (x);")
        with pytest.raises(StoreError, match=f"migration {SCHEMA_VERSION + 1} failed"):
            migrate(conn, broken)
        assert user_version(conn) == SCHEMA_VERSION
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'fine'").fetchone() is None


async def test_newer_database_refused(db_path: pathlib.Path) -> None:
    with _raw(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    store = SqliteStore(db_path)
    with pytest.raises(StoreError, match="newer than this release supports"):
        await store.open()
    assert not _store_threads()
    with _raw(db_path) as conn:  # untouched
        assert user_version(conn) == SCHEMA_VERSION + 5
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0


async def test_the_wal_is_checkpointed_on_the_side_and_stays_small(db_path: pathlib.Path) -> None:
    store = SqliteStore(db_path, synchronous="NORMAL")
    await store.open()
    try:
        await store.add_queue(QueueRecord("q1"))
        await store.create_chat(ChatRecord("c1", "q1", ChatState.WAITING, "R", RequestType.OTHER, 1.0, "h"))
        wal = db_path.with_name(db_path.name + "-wal")
        sizes = []
        for i in range(1, 641):
            await store.append_message("c1", Role.REQUESTOR, "R", "x" * 2000, float(i), f"m{i}")
            if i % 128 == 0:
                sizes.append(wal.stat().st_size)
        # without checkpoints (autocheckpoint is off) the WAL would grow with every commit
        assert sizes[-1] <= 2 * sizes[0], sizes
        assert [m.seq for m in await store.messages_after("c1", 630)] == list(range(631, 641))
    finally:
        await store.close()
    reopened = SqliteStore(db_path)
    await reopened.open()
    try:
        assert len(await reopened.messages_after("c1", 0, limit=1000)) == 640
    finally:
        await reopened.close()
