"""Messages (sequence numbers, dedupe, paging), delivery cursors and the audit trail."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from onduty.server.store.base import MAX_PAGE, Store, StoreError
from onduty.server.store.errors import SeqOutOfRange, StoreRefused
from onduty.server.store.records import AuditEntry, ChatRecord, StoredMessage
from onduty.shared.types import Role


async def test_append_numbers_from_one_and_tracks_last_seq(with_queue: Store) -> None:
    store = with_queue
    m1, new1 = await store.append_message("c1", Role.REQUESTOR, "Rita", "hello", 101.0, "r-1")
    m2, new2 = await store.append_message("c1", Role.AGENT, "Bob", "hi Rita", 102.0, None)
    assert (new1, new2) == (True, True)
    assert m1 == StoredMessage("c1", 1, Role.REQUESTOR, "Rita", "hello", 101.0, "r-1")
    assert m2 == StoredMessage("c1", 2, Role.AGENT, "Bob", "hi Rita", 102.0, None)
    chat = await store.get_chat("c1")
    assert chat is not None
    assert chat.last_seq == 2
    assert await store.messages_after("c1", 0) == [m1, m2]


async def test_dedupe_by_client_msg_id(with_queue: Store) -> None:
    store = with_queue
    first, _ = await store.append_message("c1", Role.REQUESTOR, "Rita", "hello", 101.0, "m-1")
    again, new = await store.append_message("c1", Role.REQUESTOR, "Rita", "hello (retry)", 105.0, "m-1")
    assert new is False
    assert again == first
    # same id from the other party is a different message
    other, new_other = await store.append_message("c1", Role.AGENT, "Bob", "hi", 106.0, "m-1")
    assert new_other is True
    assert other.seq == 2
    # no client id: never deduplicated
    a, _ = await store.append_message("c1", Role.AGENT, "Bob", "same", 107.0, None)
    b, _ = await store.append_message("c1", Role.AGENT, "Bob", "same", 107.0, None)
    assert (a.seq, b.seq) == (3, 4)
    chat = await store.get_chat("c1")
    assert chat is not None
    assert chat.last_seq == 4


async def test_dedupe_within_one_batch(with_queue: Store) -> None:
    store = with_queue
    results = await asyncio.gather(
        *(store.append_message("c1", Role.REQUESTOR, "Rita", "x", 101.0, "dup") for _ in range(10))
    )
    assert {m.seq for m, _ in results} == {1}
    assert [new for _, new in results].count(True) == 1


async def test_sequence_numbers_are_per_chat(with_queue: Store, make_chat: Callable[..., ChatRecord]) -> None:
    store = with_queue
    await store.create_chat(make_chat("c2"))
    a, _ = await store.append_message("c1", Role.REQUESTOR, "R", "a", 1.0, None)
    b, _ = await store.append_message("c2", Role.REQUESTOR, "R", "b", 1.0, None)
    assert (a.seq, b.seq) == (1, 1)


async def test_append_to_unknown_chat_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown chat"):
        await store.append_message("ghost", Role.REQUESTOR, "R", "x", 1.0, None)


async def test_200_concurrent_appends_get_distinct_ordered_seqs(with_queue: Store) -> None:
    store = with_queue
    results = await asyncio.gather(
        *(store.append_message("c1", Role.REQUESTOR, "R", f"msg {i}", float(i), f"id-{i}") for i in range(200))
    )
    seqs = [m.seq for m, _ in results]
    assert sorted(seqs) == list(range(1, 201))
    assert all(new for _, new in results)
    stored = await store.messages_after("c1", 0)
    assert [m.seq for m in stored] == list(range(1, 201))
    # queue order is seq order: the i-th caller got seq i + 1
    assert seqs == list(range(1, 201))
    chat = await store.get_chat("c1")
    assert chat is not None
    assert chat.last_seq == 200


async def test_messages_after_and_limit(with_queue: Store) -> None:
    store = with_queue
    for i in range(5):
        await store.append_message("c1", Role.AGENT, "Bob", f"t{i}", float(i), None)
    assert [m.seq for m in await store.messages_after("c1", 2)] == [3, 4, 5]
    assert [m.seq for m in await store.messages_after("c1", 0, limit=2)] == [1, 2]
    assert await store.messages_after("c1", 5) == []
    assert await store.messages_after("ghost", 0) == []


async def test_ack_never_moves_backwards(with_queue: Store) -> None:
    store = with_queue
    for i in range(7):
        await store.append_message("c1", Role.REQUESTOR, "R", f"m{i}", float(i), None)
    assert await store.acked("c1", Role.AGENT) == 0
    await store.ack("c1", Role.AGENT, 5)
    await store.ack("c1", Role.AGENT, 3)
    assert await store.acked("c1", Role.AGENT) == 5
    await store.ack("c1", Role.AGENT, 7)
    assert await store.acked("c1", Role.AGENT) == 7
    assert await store.acked("c1", Role.REQUESTOR) == 0
    await store.ack("c1", Role.REQUESTOR, 2)
    assert await store.acked("c1", Role.REQUESTOR) == 2
    await store.ack("c1", Role.REQUESTOR, 0)  # nothing received yet is a valid ack
    with pytest.raises(StoreError, match="unknown chat"):
        await store.ack("ghost", Role.AGENT, 1)


async def test_ack_beyond_the_last_seq_is_refused_and_not_stored(with_queue: Store) -> None:
    store = with_queue
    await store.append_message("c1", Role.REQUESTOR, "R", "one", 1.0, None)
    await store.append_message("c1", Role.REQUESTOR, "R", "two", 2.0, None)
    with pytest.raises(SeqOutOfRange) as refused:
        await store.ack("c1", Role.AGENT, 3)
    assert (refused.value.seq, refused.value.last_seq) == (3, 2)
    assert isinstance(refused.value, StoreRefused)
    with pytest.raises(SeqOutOfRange):
        await store.ack("c1", Role.AGENT, -1)
    assert await store.acked("c1", Role.AGENT) == 0
    await store.ack("c1", Role.AGENT, 2)
    assert await store.acked("c1", Role.AGENT) == 2


async def test_messages_after_caps_the_page(with_queue: Store) -> None:
    store = with_queue
    await asyncio.gather(*(store.append_message("c1", Role.AGENT, "B", str(i), 1.0, None) for i in range(MAX_PAGE + 5)))
    page = await store.messages_after("c1", 0, limit=1_000_000)
    assert [m.seq for m in page] == list(range(1, MAX_PAGE + 1))
    rest = await store.messages_after("c1", page[-1].seq, limit=1_000_000)
    assert [m.seq for m in rest] == list(range(MAX_PAGE + 1, MAX_PAGE + 6))
    assert await store.messages_after("c1", 0, limit=0) == []


async def test_audit_log_in_order_per_chat(with_queue: Store) -> None:
    store = with_queue
    e1 = AuditEntry(at=1.0, kind="offered", chat_id="c1", agent="bob", detail={"why": "longest idle"})
    e2 = AuditEntry(at=1.0, kind="timeout", chat_id="c1")
    other = AuditEntry(at=0.5, kind="offered", chat_id="c9")
    no_chat = AuditEntry(at=0.7, kind="config", detail={"queue": "q1"})
    for e in (e1, other, e2, no_chat):
        await store.audit(e)
    assert await store.audit_log("c1") == [e1, e2]
    assert await store.audit_log("c9") == [other]
    assert await store.audit_log("none") == []
