"""Queues, agents, sites and sessions in the SQLite store."""

from __future__ import annotations

import pytest

from onduty.server.store.base import Store, StoreError
from onduty.server.store.records import AgentRecord, QueueRecord, SessionRecord, SiteRecord


def _agent(username: str, queues: tuple[str, ...] = ("q1",)) -> AgentRecord:
    return AgentRecord(
        username=username,
        display_name=username.title(),
        region="eu",
        lob="support",
        queues=queues,
        password_hash="h0",
        capacity=3,
        created_at=12.5,
    )


async def test_queues_round_trip(store: Store) -> None:
    b2b = QueueRecord(name="b2b", title="Business", region="us", max_wait_s=30.0, anonymous=False)
    b2c = QueueRecord(name="a-b2c")
    await store.add_queue(b2b)
    await store.add_queue(b2c)
    assert await store.get_queue("b2b") == b2b
    assert await store.get_queue("nope") is None
    assert await store.list_queues() == [b2c, b2b]  # by name


async def test_duplicate_queue_refused(store: Store) -> None:
    await store.add_queue(QueueRecord(name="q1", title="first"))
    with pytest.raises(StoreError, match="already exists"):
        await store.add_queue(QueueRecord(name="q1", title="second"))
    assert await store.get_queue("q1") == QueueRecord(name="q1", title="first")


async def test_agents_round_trip_keep_queue_order(store: Store) -> None:
    for q in ("q1", "q2", "q3"):
        await store.add_queue(QueueRecord(name=q))
    bob = _agent("bob", ("q3", "q1", "q2"))
    alice = _agent("alice", ())
    await store.add_agent(bob)
    await store.add_agent(alice)
    assert await store.get_agent("bob") == bob
    assert await store.get_agent("alice") == alice
    assert await store.get_agent("carol") is None
    assert await store.list_agents() == [alice, bob]


async def test_duplicate_agent_refused(store: Store) -> None:
    await store.add_queue(QueueRecord(name="q1"))
    await store.add_agent(_agent("bob"))
    with pytest.raises(StoreError, match="already exists"):
        await store.add_agent(_agent("bob"))


async def test_agent_with_unknown_queue_refused_and_not_stored(store: Store) -> None:
    await store.add_queue(QueueRecord(name="q1"))
    with pytest.raises(StoreError, match="unknown queue"):
        await store.add_agent(_agent("bob", ("q1", "ghost")))
    assert await store.get_agent("bob") is None
    assert await store.list_agents() == []


async def test_agent_listing_a_queue_twice_refused(store: Store) -> None:
    await store.add_queue(QueueRecord(name="q1"))
    with pytest.raises(StoreError, match="twice"):
        await store.add_agent(_agent("bob", ("q1", "q1")))


async def test_set_password(store: Store) -> None:
    await store.add_queue(QueueRecord(name="q1"))
    await store.add_agent(_agent("bob"))
    await store.set_password("bob", "h1")
    agent = await store.get_agent("bob")
    assert agent is not None
    assert agent.password_hash == "h1"
    with pytest.raises(StoreError, match="unknown agent"):
        await store.set_password("nobody", "h2")


async def test_sites(store: Store) -> None:
    site = SiteRecord(name="shop", secret="s3cret")
    await store.add_site(site)
    assert await store.get_site("shop") == site
    assert await store.get_site("other") is None
    with pytest.raises(StoreError, match="already exists"):
        await store.add_site(SiteRecord(name="shop", secret="other"))
    assert await store.get_site("shop") == site


async def test_sessions(store: Store) -> None:
    await store.add_queue(QueueRecord(name="q1"))
    await store.add_agent(_agent("bob"))
    session = SessionRecord(token_hash="th1", username="bob", expires_at=999.0)
    await store.add_session(session)
    assert await store.get_session("th1") == session
    assert await store.get_session("th2") is None
    await store.delete_session("th1")
    assert await store.get_session("th1") is None
    await store.delete_session("th1")  # deleting twice is harmless


async def test_session_for_unknown_agent_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown agent"):
        await store.add_session(SessionRecord(token_hash="th1", username="ghost", expires_at=1.0))


async def test_duplicate_session_refused(store: Store) -> None:
    await store.add_queue(QueueRecord(name="q1"))
    await store.add_agent(_agent("bob"))
    await store.add_session(SessionRecord(token_hash="th1", username="bob", expires_at=1.0))
    with pytest.raises(StoreError):
        await store.add_session(SessionRecord(token_hash="th1", username="bob", expires_at=2.0))
