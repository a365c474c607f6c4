"""Open/close, refused writes inside a batch, restart survival (any implementation)."""

from __future__ import annotations

import asyncio

import pytest

from onduty.server.store.base import Store, StoreError
from onduty.server.store.records import (
    AgentRecord,
    AuditEntry,
    QueueRecord,
    SessionRecord,
    SiteRecord,
)
from onduty.shared.types import ChatState, Presence, Role
from tests.store.backends import Backend, MakeChat


async def test_a_refused_write_fails_only_its_caller(store: Store) -> None:
    await store.add_queue(QueueRecord(name="taken"))
    results = await asyncio.gather(
        store.add_queue(QueueRecord(name="a")),
        store.add_queue(QueueRecord(name="taken", title="again")),
        store.add_queue(QueueRecord(name="b")),
        store.add_site(SiteRecord(name="s", secret="x")),
        return_exceptions=True,
    )
    assert results[0] is None
    assert isinstance(results[1], StoreError)
    assert results[2] is None
    assert results[3] is None
    assert [q.name for q in await store.list_queues()] == ["a", "b", "taken"]
    assert await store.get_queue("taken") == QueueRecord(name="taken")
    assert store.healthy  # a refusal is the caller's fault, not the store's


async def test_failed_op_is_rolled_back_alone(store: Store) -> None:
    """add_agent writes rows before it can fail on an unknown queue; none of them may remain."""
    await store.add_queue(QueueRecord(name="q1"))
    agent = AgentRecord("bob", "Bob", "eu", "x", ("q1",), "h")
    results = await asyncio.gather(
        store.add_agent(agent),
        store.add_agent(AgentRecord("eve", "Eve", "eu", "x", ("q1", "ghost"), "h")),
        return_exceptions=True,
    )
    assert results[0] is None
    assert isinstance(results[1], StoreError)
    assert await store.list_agents() == [agent]


async def test_restart_survival(backend: Backend, make_chat: MakeChat) -> None:
    first = backend.make()
    await first.open()
    agent = AgentRecord("bob", "Bob", "eu", "x", ("q1",), "h", capacity=2, created_at=5.0)
    chat = make_chat("c1")
    await first.add_queue(QueueRecord(name="q1"))
    await first.add_agent(agent)
    await first.add_site(SiteRecord("shop", "s"))
    await first.add_session(SessionRecord("th", "bob", 99.0))
    await first.create_chat(chat)
    await first.update_chat("c1", state=ChatState.ACTIVE, agent="bob", assigned_at=101.0)
    m, _ = await first.append_message("c1", Role.REQUESTOR, "R", "hello", 102.0, "m1")
    await first.ack("c1", Role.AGENT, 1)
    await first.audit(AuditEntry(at=101.0, kind="assigned", chat_id="c1", agent="bob"))
    await first.save_agent_state("bob", True, Presence.BUSY, 103.0)
    await first.close()

    second = backend.make()
    await second.open()
    try:
        assert await second.get_queue("q1") == QueueRecord(name="q1")
        assert await second.get_agent("bob") == agent
        assert await second.get_site("shop") == SiteRecord("shop", "s")
        assert await second.get_session("th") == SessionRecord("th", "bob", 99.0)
        reopened = await second.get_chat("c1")
        assert reopened is not None
        assert (reopened.state, reopened.agent, reopened.last_seq) == (ChatState.ACTIVE, "bob", 1)
        assert [(c.chat_id, c.last_seq) for c in await second.open_chats()] == [("c1", 1)]
        assert await second.messages_after("c1", 0) == [m]
        assert await second.acked("c1", Role.AGENT) == 1
        assert [e.kind for e in await second.audit_log("c1")] == ["assigned"]
        state = (await second.agent_states())["bob"]
        assert (state.on_duty, state.presence, state.changed_at) == (True, Presence.BUSY, 103.0)
        # dedupe and numbering continue across the restart
        again, new = await second.append_message("c1", Role.REQUESTOR, "R", "hello", 103.0, "m1")
        assert (again, new) == (m, False)
        nxt, _ = await second.append_message("c1", Role.AGENT, "Bob", "hi", 104.0, None)
        assert nxt.seq == 2
    finally:
        await second.close()


async def test_close_drains_queued_writes(backend: Backend, make_chat: MakeChat) -> None:
    store = backend.make()
    await store.open()
    await store.add_queue(QueueRecord(name="q1"))
    await store.create_chat(make_chat("c1"))
    appends = [store.append_message("c1", Role.AGENT, "B", str(i), 1.0, None) for i in range(50)]
    # the appends are queued when called, then close: it must wait for them
    await asyncio.gather(*appends, store.close())
    assert sorted(t.result()[0].seq for t in appends) == list(range(1, 51))
    reopened = backend.make()
    await reopened.open()
    try:
        assert len(await reopened.messages_after("c1", 0)) == 50
    finally:
        await reopened.close()


async def test_use_after_close_refused(store: Store) -> None:
    await store.close()
    with pytest.raises(StoreError, match="not open"):
        await store.get_queue("q1")
    with pytest.raises(StoreError, match="not open"):
        await store.add_queue(QueueRecord(name="q1"))
    await store.close()  # closing twice is harmless
