"""SQLite only: the database thread commits batches back to back, reads see what was queued before them,
and a batch waiting out a locked database does not hold reads up."""

from __future__ import annotations

import asyncio
import pathlib
import sqlite3
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest

from onduty.server.store import sqlite as sqlite_module
from onduty.server.store.records import QueueRecord
from onduty.server.store.sqlite import SqliteStore

_WAIT_S = 10.0
"""How long a test waits for the database thread before it calls the behaviour missing."""


@pytest.fixture
async def store(db_path: pathlib.Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(db_path, busy_timeout_ms=0, busy_backoff_s=(0.3, 0.3, 0.3))
    await s.open()
    yield s
    await s.close()


async def test_the_next_batch_commits_while_the_loop_is_still_busy(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch queued while another commits runs right after it, without waiting for the loop to come
    back (the loop here is held in a callback, as a busy loop would be)."""
    real = sqlite_module._run_batch
    first_running, release_first, second_ran = threading.Event(), threading.Event(), threading.Event()
    batches: list[int] = []

    def run(conn: sqlite3.Connection, ops: list[Any]) -> list[tuple[bool, Any]]:
        batches.append(len(ops))
        if len(batches) == 1:
            first_running.set()
            assert release_first.wait(_WAIT_S)
        else:
            second_ran.set()
        return real(conn, ops)

    monkeypatch.setattr(sqlite_module, "_run_batch", run)
    first = asyncio.ensure_future(store.add_queue(QueueRecord("q1")))
    await asyncio.sleep(0)  # the first write is queued and its batch starts
    assert await asyncio.to_thread(first_running.wait, _WAIT_S)
    second = asyncio.ensure_future(store.add_queue(QueueRecord("q2")))
    await asyncio.sleep(0)  # queued behind the running batch
    release_first.set()
    # The loop does not run while this waits: only the database thread can start the second batch.
    assert second_ran.wait(_WAIT_S), "the second batch waited for the event loop"
    await asyncio.gather(first, second)
    assert batches == [1, 1]
    assert {q.name for q in await store.list_queues()} >= {"q1", "q2"}


async def test_a_read_sees_the_writes_queued_before_it(store: SqliteStore) -> None:
    writes = [asyncio.ensure_future(store.add_queue(QueueRecord(f"q{i}"))) for i in range(20)]
    await asyncio.sleep(0)  # every write is queued; none has been awaited
    names = {q.name for q in await store.list_queues()}
    assert names >= {f"q{i}" for i in range(20)}
    await asyncio.gather(*writes)


async def test_reads_are_answered_while_a_batch_waits_out_a_locked_database(
    store: SqliteStore, db_path: pathlib.Path
) -> None:
    await store.add_queue(QueueRecord("before"))
    other = sqlite3.connect(db_path, isolation_level=None)  # another process's writer, in a transaction
    try:
        other.execute("BEGIN IMMEDIATE")
        blocked = asyncio.ensure_future(store.add_queue(QueueRecord("after")))
        await asyncio.sleep(0)
        read = await asyncio.wait_for(store.list_queues(), _WAIT_S)  # answered during the retries' pauses
        assert "before" in {q.name for q in read}
        assert not blocked.done()
        other.execute("ROLLBACK")
    finally:
        other.close()
    await asyncio.wait_for(blocked, _WAIT_S)
    assert "after" in {q.name for q in await store.list_queues()}
