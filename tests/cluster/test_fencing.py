"""Fencing on PostgreSQL: once another node took routing (a newer epoch), every batch of the old owner
is refused whole with Fenced, it is told once, and nothing of it is stored."""

from __future__ import annotations

import pytest

from onduty.server.store.errors import Fenced
from onduty.server.store.pg import PostgresStore
from onduty.server.store.records import QueueRecord
from onduty.shared.types import Role
from tests.store.backends import make_chat


async def test_the_deposed_owners_writes_are_refused_and_the_new_owners_are_stored(pg_url: str) -> None:
    old, new = PostgresStore(pg_url), PostgresStore(pg_url)
    await old.open()
    await new.open()
    try:
        told: list[Fenced] = []
        old.on_fenced = told.append
        first = await old.take_routing("a", 1.0)
        await old.add_queue(QueueRecord("q1"))
        await old.create_chat(make_chat("c1"))
        await old.append_message("c1", Role.REQUESTOR, "R", "before", 2.0, "m1")

        second = await new.take_routing("b", 3.0)
        assert second == first + 1
        assert await new.routing_owner() == (second, "b")
        with pytest.raises(Fenced, match=f"owned by b with epoch {second}, not epoch {first}"):
            await old.append_message("c1", Role.REQUESTOR, "R", "late", 4.0, "m2")
        with pytest.raises(Fenced):
            await old.add_queue(QueueRecord("q2"))
        assert len(told) == 2  # one per refused batch: the node steps down at the first
        await new.append_message("c1", Role.AGENT, "B", "after", 5.0, "m4")
        stored = await new.messages_after("c1", 0, limit=10)
        assert [(m.seq, m.text) for m in stored] == [(1, "before"), (2, "after")]
        assert [q.name for q in await new.list_queues()] == ["q1"]
        assert not old.healthy
    finally:
        await old.close()
        await new.close()


async def test_a_store_that_never_took_routing_is_not_fenced(pg_url: str) -> None:
    admin, node = PostgresStore(pg_url), PostgresStore(pg_url)  # e.g. an admin command beside a running node
    await admin.open()
    await node.open()
    try:
        await node.take_routing("a", 1.0)
        await admin.add_queue(QueueRecord("q1"))
        assert admin.epoch is None
        assert [q.name for q in await node.list_queues()] == ["q1"]
    finally:
        await admin.close()
        await node.close()
