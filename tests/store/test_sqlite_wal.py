"""SQLite only: the WAL stays bounded whether or not the side checkpoint runs in time.

An earlier test measured the WAL after 640 appends and failed on a busy machine (3.5 -> 17 MB):
the side checkpoint's thread had not run, and nothing else bounded the file. These tests take the
scheduler out: one holds the side thread for the whole run (the worst case, which is what a busy
machine approximates), the other waits for the side checkpoint explicitly.
"""

from __future__ import annotations

import asyncio
import pathlib
import threading

from onduty.server.store.records import ChatRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.types import ChatState, RequestType, Role

_TEXT = "x" * 2000  # a few pages per commit


def _wal(db_path: pathlib.Path) -> pathlib.Path:
    return db_path.with_name(db_path.name + "-wal")


async def _prepare(store: SqliteStore) -> None:
    await store.add_queue(QueueRecord("q1"))
    await store.create_chat(ChatRecord("c1", "q1", ChatState.WAITING, "R", RequestType.OTHER, 1.0, "h"))


async def test_the_wal_stays_bounded_while_the_side_checkpoint_cannot_run(db_path: pathlib.Path) -> None:
    limit = 512 * 1024
    store = SqliteStore(db_path, synchronous="NORMAL", wal_limit_bytes=limit)
    await store.open()
    release = threading.Event()
    try:
        await _prepare(store)
        # the side thread is busy with something else for the whole run: its checkpoint never starts
        blocked = asyncio.get_running_loop().run_in_executor(store._checkpointer, release.wait)
        largest = 0
        for i in range(1, 641):
            await store.append_message("c1", Role.REQUESTOR, "R", _TEXT, float(i), f"m{i}")
            largest = max(largest, _wal(db_path).stat().st_size)
        # without the bound the WAL grows by every commit (~27 kB each here: over 16 MB in all)
        assert largest <= limit + 64 * 1024, largest
        assert store.stats.wal_truncations >= 10
        assert store.healthy
    finally:
        release.set()
        await blocked
        await store.close()
    reopened = SqliteStore(db_path)
    await reopened.open()
    try:
        assert [m.seq for m in await reopened.messages_after("c1", 630)] == list(range(631, 641))
        assert len(await reopened.messages_after("c1", 0)) == 640
    finally:
        await reopened.close()


async def test_after_a_side_checkpoint_the_wal_is_reused_from_its_start(db_path: pathlib.Path) -> None:
    store = SqliteStore(db_path, synchronous="NORMAL")
    await store.open()
    try:
        await _prepare(store)
        for i in range(1, 200):
            await store.append_message("c1", Role.REQUESTOR, "R", _TEXT, float(i), f"m{i}")
            side = store._checkpoint_running
            if side is not None:
                await side  # the side checkpoint, however late it is scheduled
                break
        else:
            raise AssertionError("no side checkpoint was started")
        await store.append_message("c1", Role.REQUESTOR, "R", _TEXT, 0.0, "catch-up")  # runs the catch-up first
        size = _wal(db_path).stat().st_size
        for i in range(32):  # fewer commits than the next checkpoint needs: written over the old frames
            await store.append_message("c1", Role.REQUESTOR, "R", _TEXT, 0.0, f"after-{i}")
        assert _wal(db_path).stat().st_size == size
        assert store.stats.wal_truncations == 0  # the bound was not needed
    finally:
        await store.close()
