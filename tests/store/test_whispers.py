"""Supervisors' whispers on every store: kept per chat in order, refused for an unknown chat."""

from __future__ import annotations

import pytest

from onduty.server.store import Store, StoreError
from onduty.server.store.records import WhisperRecord


async def test_whispers_are_stored_per_chat_in_order(with_queue: Store) -> None:
    store = with_queue
    assert await store.whispers("c1") == []
    first = await store.add_whisper("c1", "carl", "Carl Supervisor", "offer the refund", 100.0)
    second = await store.add_whisper("c1", "lee", "Lee Lead", "and a voucher", 101.0)
    assert first == WhisperRecord(first.whisper_id, "c1", "carl", "Carl Supervisor", "offer the refund", 100.0)
    assert second.whisper_id > first.whisper_id
    assert await store.whispers("c1") == [first, second]


async def test_a_whisper_to_an_unknown_chat_is_refused(with_queue: Store) -> None:
    store = with_queue
    with pytest.raises(StoreError):
        await store.add_whisper("nope", "carl", "Carl", "hello", 1.0)
    assert await store.whispers("nope") == []
