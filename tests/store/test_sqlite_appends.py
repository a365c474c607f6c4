"""SQLite only: a commit batch's chat messages are written in one go, with exactly the outcome of one by one.

Whatever a batch holds (resends, unknown chats, NUL characters, messages of several chats interleaved),
each caller gets what it would have got had every message been its own batch, and the stored transcript
and ``last_seq`` are the same.
"""

from __future__ import annotations

import asyncio
import pathlib
import tempfile
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onduty.server.store.records import ChatRecord, QueueRecord, StoredMessage
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.types import ChatState, RequestType, Role

Write = tuple[str, Role, str, str | None]
"""(chat, sender, text, client_msg_id) of one append."""

_CHATS = ("c1", "c2")
writes = st.lists(
    st.tuples(st.sampled_from((*_CHATS, "gone")), st.sampled_from(Role), st.sampled_from(("hi", "a\x00b", "é" * 3)),
              st.sampled_from((None, "k1", "k2", "k3"))),
    min_size=1, max_size=12,
)


async def _store(folder: pathlib.Path) -> SqliteStore:
    store = SqliteStore(folder / "onduty.db", synchronous="OFF")
    await store.open()
    await store.add_queue(QueueRecord("q1"))
    for chat in _CHATS:
        await store.create_chat(ChatRecord(chat, "q1", ChatState.ASSIGNED, "R", RequestType.OTHER, 1.0, "h"))
    return store


def _outcome(results: list[Any]) -> list[object]:
    return [type(r).__name__ if isinstance(r, BaseException) else r for r in results]


async def _stored(store: SqliteStore) -> tuple[list[StoredMessage], list[int]]:
    messages = [m for chat in _CHATS for m in await store.messages_after(chat, 0)]
    last = []
    for chat in _CHATS:
        record = await store.get_chat(chat)
        assert record is not None
        last.append(record.last_seq)
    return messages, last


async def _compare(batch: list[Write]) -> None:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        together, alone = await _store(pathlib.Path(a)), await _store(pathlib.Path(b))
        try:
            # queued before the writer runs: one commit batch
            before = together.stats.commits
            futures = [together.append_message(c, r, "Name", t, 10.0 + i / 3, k)
                       for i, (c, r, t, k) in enumerate(batch)]
            in_one = await asyncio.gather(*futures, return_exceptions=True)
            assert together.stats.commits - before == 1
            one_by_one = [await asyncio.gather(alone.append_message(c, r, "Name", t, 10.0 + i / 3, k),
                                               return_exceptions=True) for i, (c, r, t, k) in enumerate(batch)]
            assert _outcome(list(in_one)) == _outcome([r[0] for r in one_by_one])
            assert await _stored(together) == await _stored(alone)
        finally:
            await together.close()
            await alone.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writes)
def test_a_batch_of_appends_ends_as_the_same_appends_one_by_one(batch: list[Write]) -> None:
    asyncio.run(_compare(batch))


async def test_a_plain_batch_runs_no_per_message_seq_query(db_path: pathlib.Path) -> None:
    store = await _store(db_path.parent)
    statements: list[str] = []
    assert store._conn is not None
    store._conn.set_trace_callback(statements.append)
    try:
        futures = [store.append_message(_CHATS[i % 2], Role.AGENT, "Ann", f"m{i}", 10.0 + i, f"k{i}")
                   for i in range(100)]
        results = await asyncio.gather(*futures)
    finally:
        store._conn.set_trace_callback(None)
        await store.close()
    assert [(m.chat_id, m.seq) for m, _ in results[:4]] == [("c1", 1), ("c2", 1), ("c1", 2), ("c2", 2)]
    assert all(new for _, new in results)
    assert not [s for s in statements if "MAX(seq)" in s and "json_each" not in s]
    assert not [s for s in statements if s.startswith("UPDATE chats") and "json_each" not in s]
