"""SQLite only: the bounded group-commit wait (issue 20). A small batch waits ``linger_s`` for more writes,
so writes arriving a few loop turns apart share one commit; a batch of ``linger_below`` writes or more commits
at once; a read never overtakes a queued write."""

from __future__ import annotations

import asyncio
import pathlib

from onduty.server.store.records import ChatRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.types import ChatState, RequestType, Role


async def _prepared(db_path: pathlib.Path, linger_s: float, linger_below: int = 16) -> SqliteStore:
    setup = SqliteStore(db_path, synchronous="NORMAL", linger_s=0)
    await setup.open()
    await setup.add_queue(QueueRecord("q1"))
    await setup.create_chat(ChatRecord("c1", "q1", ChatState.WAITING, "R", RequestType.OTHER, 1.0, "h"))
    await setup.close()
    store = SqliteStore(db_path, synchronous="NORMAL", linger_s=linger_s, linger_below=linger_below)
    await store.open()
    return store


async def test_writes_a_few_loop_turns_apart_share_one_commit(tmp_path: pathlib.Path) -> None:
    store = await _prepared(tmp_path / "db.sqlite", linger_s=0.3)
    try:
        before = store.stats.commits
        first = asyncio.ensure_future(store.append_message("c1", Role.REQUESTOR, "R", "one", 2.0, "m1"))
        for _ in range(5):  # loop turns, not time: the writer is lingering meanwhile
            await asyncio.sleep(0)
        second = asyncio.ensure_future(store.append_message("c1", Role.REQUESTOR, "R", "two", 3.0, "m2"))
        (one, _), (two, _) = await asyncio.gather(first, second)
        assert (one.seq, two.seq) == (1, 2)
        assert store.stats.commits == before + 1
    finally:
        await store.close()


async def test_a_batch_of_linger_below_writes_commits_without_waiting(tmp_path: pathlib.Path) -> None:
    store = await _prepared(tmp_path / "db.sqlite", linger_s=60.0, linger_below=2)
    try:
        writes = [store.append_message("c1", Role.REQUESTOR, "R", f"m{i}", 2.0, f"m{i}") for i in range(2)]
        stored = await asyncio.wait_for(asyncio.gather(*writes), timeout=10)
        assert [m.seq for m, _ in stored] == [1, 2]
    finally:
        await store.close()


async def test_a_read_does_not_overtake_the_writes_queued_before_it(tmp_path: pathlib.Path) -> None:
    store = await _prepared(tmp_path / "db.sqlite", linger_s=0.3)
    try:
        write = asyncio.ensure_future(store.append_message("c1", Role.REQUESTOR, "R", "one", 2.0, "m1"))
        for _ in range(5):  # loop turns: the writer takes up the write and waits for more
            await asyncio.sleep(0)
        assert store._lingering
        assert [m.text for m in await store.messages_after("c1", 0)] == ["one"]
        await write
    finally:
        await store.close()
