"""SQLite only: pragmas, group commit, migrations, the constraints and indexes the contract leans on."""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import sqlite3
import threading
from collections.abc import AsyncIterator

import pytest

from onduty.server.core.roles import StaffRole
from onduty.server.store import sql
from onduty.server.store.base import Store, StoreError
from onduty.server.store.records import AgentRecord, QueueRecord
from onduty.server.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate, user_version
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.types import Presence, Role
from tests.store.backends import make_chat


def _as_store(s: SqliteStore) -> Store:
    """Type-level check that SqliteStore satisfies the Store protocol."""
    return s


def _raw(path: pathlib.Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(path, isolation_level=None))


def _store_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("onduty-store")]


@pytest.fixture
async def sqlite_store(db_path: pathlib.Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(db_path)
    await s.open()
    yield s
    await s.close()


async def test_pragmas(sqlite_store: SqliteStore, db_path: pathlib.Path) -> None:
    _as_store(sqlite_store)
    # acknowledged = durable: FULL syncs the WAL at every commit (2 = FULL)
    assert await sqlite_store._read(lambda c: c.execute("PRAGMA synchronous").fetchone()[0]) == 2
    with _raw(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert user_version(conn) == SCHEMA_VERSION


def test_bad_synchronous_refused(db_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SqliteStore(db_path, synchronous="SOMETIMES")


async def test_concurrent_writes_share_commits(sqlite_store: SqliteStore) -> None:
    store = sqlite_store
    await store.add_queue(QueueRecord(name="q1"))
    await store.create_chat(make_chat("c1"))
    before = store.stats.commits
    await asyncio.gather(*(store.append_message("c1", Role.AGENT, "B", str(i), 1.0, f"i{i}") for i in range(200)))
    assert store.stats.commits - before < 200  # group commit: far fewer commits than writes
    before = store.stats.commits
    await asyncio.gather(store.add_queue(QueueRecord(name="a")), store.add_queue(QueueRecord(name="q1")),
                         store.add_queue(QueueRecord(name="b")), return_exceptions=True)
    assert store.stats.commits == before + 1  # one refused op did not split or fail its batch


async def test_the_dedupe_is_held_by_a_unique_constraint(sqlite_store: SqliteStore, db_path: pathlib.Path) -> None:
    await sqlite_store.add_queue(QueueRecord(name="q1"))
    await sqlite_store.create_chat(make_chat("c1"))
    await sqlite_store.append_message("c1", Role.REQUESTOR, "R", "x", 1.0, "m-1")
    with _raw(db_path) as conn, pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute("INSERT INTO messages (chat_id, seq, sender, sender_name, text, at, client_msg_id)"
                     " VALUES ('c1', 2, 'requestor', 'R', 'x', 1.0, 'm-1')")


def test_open_chats_reads_no_closed_chat_and_no_message(db_path: pathlib.Path) -> None:
    with _raw(db_path) as conn:
        migrate(conn)
        conn.row_factory = sqlite3.Row
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        sql.open_chats(conn)
        conn.set_trace_callback(None)
        assert len(statements) == 1
        assert "messages" not in statements[0]
        plan = " ".join(str(r[3]) for r in conn.execute("EXPLAIN QUERY PLAN " + statements[0]))
    assert "USING INDEX chats_state" in plan, plan


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
    assert {"audit", "agent_state"} <= tables


async def test_agent_state_migration_keeps_existing_agents(db_path: pathlib.Path) -> None:
    with _raw(db_path) as conn:
        migrate(conn, MIGRATIONS[:4])  # the release before agent state was kept
        conn.execute("INSERT INTO queues (name, max_wait_s, anonymous) VALUES ('q1', 1.0, 1)")
        conn.execute("INSERT INTO agents (username, display_name, region, lob, password_hash, capacity, created_at)"
                     " VALUES ('bob', 'Bob', 'eu', 'x', 'h', 1, 0.0)")
    store = SqliteStore(db_path)
    await store.open()
    try:
        assert await store.agent_states() == {}
        await store.save_agent_state("bob", True, Presence.AWAY, 5.0)
        assert (await store.agent_states())["bob"].presence is Presence.AWAY
        assert await store.get_agent("bob") == AgentRecord("bob", "Bob", "eu", "x", (), "h")
    finally:
        await store.close()
    with _raw(db_path) as conn:
        assert user_version(conn) == SCHEMA_VERSION


async def test_callback_claims_migration_keeps_stored_requests_open(db_path: pathlib.Path) -> None:
    with _raw(db_path) as conn:
        migrate(conn, MIGRATIONS[:5])  # the release before callback requests could be claimed
        conn.execute("INSERT INTO queues (name, max_wait_s, anonymous) VALUES ('q1', 1.0, 1)")
        conn.execute("INSERT INTO callbacks (queue, name, phone, text, request_type, created_at)"
                     " VALUES ('q1', 'Rita', '+49 1234 5678', 'call me', 'other', 10.0)")
    store = SqliteStore(db_path)
    await store.open()
    try:
        [kept] = await store.list_callbacks(["q1"])
        assert (kept.name, kept.claimed_by, kept.done_at, kept.outcome) == ("Rita", None, None, None)
        assert await store.count_callbacks(20.0) == {"q1": 1}
    finally:
        await store.close()


async def test_roles_migration_makes_existing_agents_agents(db_path: pathlib.Path) -> None:
    with _raw(db_path) as conn:
        migrate(conn, MIGRATIONS[:7])  # the release before staff roles
        conn.execute("INSERT INTO queues (name, max_wait_s, anonymous) VALUES ('q1', 1.0, 1)")
        conn.execute("INSERT INTO agents (username, display_name, region, lob, password_hash, capacity, created_at)"
                     " VALUES ('bob', 'Bob', 'eu', 'x', 'h', 1, 0.0)")
    store = SqliteStore(db_path)
    await store.open()
    try:
        assert await store.get_agent("bob") == AgentRecord("bob", "Bob", "eu", "x", (), "h")
        await store.set_role("bob", StaffRole.SUPERVISOR, ["q1"])
        assert await store.get_agent("bob") == AgentRecord("bob", "Bob", "eu", "x", (), "h",
                                                            role=StaffRole.SUPERVISOR, supervises=("q1",))
    finally:
        await store.close()


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


async def test_close_stops_the_threads(db_path: pathlib.Path) -> None:
    store = SqliteStore(db_path)
    await store.open()
    await store.add_queue(QueueRecord(name="q1"))
    await store.close()
    assert not _store_threads()
