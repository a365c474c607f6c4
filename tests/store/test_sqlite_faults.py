"""SQLite only: driver failures become StoreErrors, a locked database is retried, ``healthy`` follows.

Faults are injected for real where that is deterministic (another connection holding the write
lock, the connection closed underneath) and by replacing the batch runner where a failure must
come and go on a given attempt.
"""

from __future__ import annotations

import contextlib
import pathlib
import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from onduty.server.store import sqlite as sqlite_module
from onduty.server.store.errors import StoreError, StoreRefused, StoreUnavailable
from onduty.server.store.records import QueueRecord
from onduty.server.store.sqlite import SqliteStore


@pytest.fixture
async def fast_store(db_path: pathlib.Path) -> AsyncIterator[SqliteStore]:
    """No waiting on locks: busy_timeout 0 and no pause between retries."""
    s = SqliteStore(db_path, busy_timeout_ms=0, busy_backoff_s=(0.0, 0.0, 0.0))
    await s.open()
    yield s
    await s.close()


@contextlib.contextmanager
def _write_lock_held(db_path: pathlib.Path) -> Iterator[None]:
    """Another process's writer (the admin CLI, say) in the middle of a transaction."""
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def _failing(monkeypatch: pytest.MonkeyPatch, errors: list[sqlite3.Error]) -> list[int]:
    """The next batches raise ``errors`` in turn, then run normally; returns the attempts' count."""
    real = sqlite_module._run_batch
    attempts = [0]

    def run(conn: sqlite3.Connection, ops: list[Any]) -> list[tuple[bool, Any]]:
        attempts[0] += 1
        if errors:
            raise errors.pop(0)
        return real(conn, ops)

    monkeypatch.setattr(sqlite_module, "_run_batch", run)
    return attempts


async def test_a_lock_that_goes_away_is_retried_and_the_write_succeeds(
    fast_store: SqliteStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    locked = [sqlite3.OperationalError("database is locked"), sqlite3.OperationalError("database is locked")]
    attempts = _failing(monkeypatch, locked)
    await fast_store.add_queue(QueueRecord("q1"))
    assert attempts == [3]
    assert await fast_store.get_queue("q1") == QueueRecord("q1")
    assert fast_store.healthy


async def test_a_lock_that_stays_fails_the_write_and_the_store_is_unhealthy_until_a_write_succeeds(
    fast_store: SqliteStore, db_path: pathlib.Path,
) -> None:
    with _write_lock_held(db_path):
        with pytest.raises(StoreUnavailable, match="locked") as failed:
            await fast_store.add_queue(QueueRecord("q1"))
        assert isinstance(failed.value.__cause__, sqlite3.OperationalError)
        assert not fast_store.healthy
        assert await fast_store.list_queues() == []  # nothing of it was stored; reads still work
    assert not fast_store.healthy  # until a write succeeds
    await fast_store.add_queue(QueueRecord("q2"))
    assert fast_store.healthy
    assert [q.name for q in await fast_store.list_queues()] == ["q2"]


async def test_other_driver_errors_are_not_retried(fast_store: SqliteStore, monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = _failing(monkeypatch, [sqlite3.OperationalError("disk I/O error")])
    with pytest.raises(StoreUnavailable, match="disk I/O error"):
        await fast_store.add_queue(QueueRecord("q1"))
    assert attempts == [1]
    assert not fast_store.healthy
    await fast_store.add_queue(QueueRecord("q1"))
    assert fast_store.healthy


async def test_a_connection_closed_underneath_gives_store_errors_not_driver_errors(fast_store: SqliteStore) -> None:
    conn = fast_store._conn
    assert conn is not None
    conn.close()
    with pytest.raises(StoreUnavailable):
        await fast_store.add_queue(QueueRecord("q1"))
    assert not fast_store.healthy
    with pytest.raises(StoreUnavailable):
        await fast_store.list_queues()


async def test_refusals_leave_the_store_healthy(fast_store: SqliteStore) -> None:
    await fast_store.add_queue(QueueRecord("q1"))
    with pytest.raises(StoreRefused):
        await fast_store.add_queue(QueueRecord("q1"))
    assert fast_store.healthy
    assert issubclass(StoreUnavailable, StoreError)


async def test_a_file_that_cannot_be_opened_is_a_store_error(tmp_path: pathlib.Path) -> None:
    (tmp_path / "not-a-db").write_bytes(b"this is not a database file, not even close" * 100)
    store = SqliteStore(tmp_path / "not-a-db")
    with pytest.raises(StoreError):
        await store.open()
