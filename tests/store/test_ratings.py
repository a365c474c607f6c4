"""Chat ratings on every store: once per chat, read back with the chat, listed for a report."""

from __future__ import annotations

import dataclasses

import pytest

from onduty.server.store import Store, StoreError
from onduty.server.store.records import AgentRecord, QueueRecord, RatingRecord
from onduty.shared.types import ChatRating
from tests.store.backends import MakeChat


async def test_a_chat_is_rated_once_and_the_first_rating_is_kept(with_queue: Store) -> None:
    store = with_queue
    first = ChatRating(rating=4, at=200.0, comment="quick and friendly")
    assert await store.chat_rating("c1") is None
    assert await store.rate_chat("c1", first) is True
    assert await store.rate_chat("c1", ChatRating(rating=1, at=201.0)) is False
    assert await store.chat_rating("c1") == first


async def test_unknown_chats_and_ratings_outside_1_to_5_are_refused(with_queue: Store) -> None:
    store = with_queue
    with pytest.raises(StoreError):
        await store.rate_chat("nope", ChatRating(rating=3, at=1.0))
    for bad in (0, 6):
        with pytest.raises(StoreError):
            await store.rate_chat("c1", ChatRating(rating=bad, at=1.0))
    assert await store.chat_rating("c1") is None


async def test_ratings_are_listed_by_queue_and_time_for_a_report(with_queue: Store, make_chat: MakeChat) -> None:
    store = with_queue
    await store.add_queue(QueueRecord(name="q2"))
    await store.add_agent(AgentRecord("ann", "Ann", "eu", "x", ("q1",), "h"))
    await store.create_chat(dataclasses.replace(make_chat("c2"), agent="ann"))
    await store.create_chat(make_chat("c3", queue="q2"))
    await store.rate_chat("c1", ChatRating(rating=5, at=100.0))
    await store.rate_chat("c2", ChatRating(rating=2, at=150.0, comment="slow"))
    await store.rate_chat("c3", ChatRating(rating=3, at=120.0))
    assert await store.list_ratings(["q1"], 0.0, 1000.0) == [
        RatingRecord("c1", "q1", None, ChatRating(rating=5, at=100.0)),
        RatingRecord("c2", "q1", "ann", ChatRating(rating=2, at=150.0, comment="slow")),
    ]
    assert [r.chat_id for r in await store.list_ratings(["q1", "q2"], 100.0, 150.0)] == ["c1", "c3"]
