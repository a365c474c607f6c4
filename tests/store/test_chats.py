"""Chats: create, update semantics, open chats and the history search."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from onduty.server.store.base import Store, StoreError
from onduty.server.store.records import AgentRecord, ChatRecord, QueueRecord, SiteRecord
from onduty.shared.types import BusinessContext, ChatState, EndReason, RequestType, Role

MakeChat = Callable[..., ChatRecord]


async def _setup(store: Store) -> None:
    for q in ("q1", "q2", "q3"):
        await store.add_queue(QueueRecord(name=q))
    for name in ("bob", "alice"):
        await store.add_agent(
            AgentRecord(username=name, display_name=name, region="eu", lob="x", queues=("q1",), password_hash="h")
        )


async def test_chat_round_trip_with_context(store: Store, make_chat: MakeChat) -> None:
    await _setup(store)
    await store.add_site(SiteRecord(name="shop", secret="s"))
    chat = make_chat(
        "c1",
        requestor_email="r@example.com",
        requestor_id="cust-7",
        site="shop",
        request_type=RequestType.SALES_ORDER,
        context=(
            BusinessContext(kind="order", id="4711", title="Order 4711", fields={"amount": "12.00"}),
            BusinessContext(kind="case", id="C-1"),
        ),
    )
    await store.create_chat(chat)
    assert await store.get_chat("c1") == chat
    assert await store.get_chat("c2") is None


async def test_create_chat_refusals(store: Store, make_chat: MakeChat) -> None:
    await _setup(store)
    await store.create_chat(make_chat("c1"))
    with pytest.raises(StoreError, match="already exists"):
        await store.create_chat(make_chat("c1"))
    with pytest.raises(StoreError, match="unknown queue"):
        await store.create_chat(make_chat("c2", queue="ghost"))
    with pytest.raises(StoreError):  # unknown site: foreign key
        await store.create_chat(make_chat("c3", site="ghost"))


async def test_update_chat_sets_only_given_fields(store: Store, make_chat: MakeChat) -> None:
    await _setup(store)
    await store.create_chat(make_chat("c1"))
    await store.update_chat("c1", state=ChatState.ASSIGNED, agent="bob", assigned_at=110.0)
    await store.update_chat("c1", state=ChatState.ACTIVE)
    chat = await store.get_chat("c1")
    assert chat is not None
    assert (chat.state, chat.agent, chat.assigned_at) == (ChatState.ACTIVE, "bob", 110.0)
    await store.update_chat("c1", state=ChatState.ENDED, ended_at=150.0, end_reason=EndReason.AGENT_ENDED)
    await store.update_chat("c1", state=ChatState.CLOSED, closed_at=160.0)
    chat = await store.get_chat("c1")
    assert chat is not None
    assert chat.state is ChatState.CLOSED
    assert (chat.agent, chat.assigned_at, chat.ended_at, chat.closed_at) == ("bob", 110.0, 150.0, 160.0)
    assert chat.end_reason is EndReason.AGENT_ENDED


async def test_update_chat_to_waiting_clears_agent(store: Store, make_chat: MakeChat) -> None:
    await _setup(store)
    await store.create_chat(make_chat("c1"))
    await store.update_chat("c1", state=ChatState.ASSIGNED, agent="bob", assigned_at=110.0)
    await store.update_chat("c1", state=ChatState.WAITING, agent="alice")
    chat = await store.get_chat("c1")
    assert chat is not None
    assert (chat.state, chat.agent, chat.assigned_at) == (ChatState.WAITING, None, 110.0)


async def test_update_unknown_chat_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown chat"):
        await store.update_chat("ghost", state=ChatState.ACTIVE)


async def test_open_chats_oldest_first_without_closed(store: Store, make_chat: MakeChat) -> None:
    await _setup(store)
    await store.create_chat(make_chat("late", requested_at=300.0))
    await store.create_chat(make_chat("early", requested_at=100.0))
    await store.create_chat(make_chat("closed", requested_at=50.0))
    await store.create_chat(make_chat("ended", requested_at=200.0))
    await store.update_chat("closed", state=ChatState.CLOSED, closed_at=60.0)
    await store.update_chat("ended", state=ChatState.ENDED, ended_at=210.0)
    assert [c.chat_id for c in await store.open_chats()] == ["early", "ended", "late"]


async def test_list_chats_filters(store: Store, make_chat: MakeChat) -> None:
    await _setup(store)
    await store.create_chat(make_chat("a", queue="q1", requested_at=10.0, requestor_name="Zoë Ångström"))
    await store.create_chat(make_chat("b", queue="q2", requested_at=20.0, requestor_email="Kim@Example.COM"))
    await store.create_chat(make_chat("c", queue="q1", requested_at=30.0))
    await store.create_chat(make_chat("d", queue="q3", requested_at=40.0))
    await store.create_chat(make_chat("e", queue="q1", requested_at=50.0))
    await store.update_chat("c", state=ChatState.ASSIGNED, agent="alice")
    await store.append_message("e", Role.REQUESTOR, "R", "My PRINTER is on fire", 51.0, None)

    async def ids(queues: list[str], **kw: object) -> list[str]:
        return [c.chat_id for c in await store.list_chats(queues, **kw)]  # type: ignore[arg-type]

    assert await ids([]) == []
    assert await ids(["q1", "q2"]) == ["e", "c", "b", "a"]
    assert await ids(["q1", "q2"], limit=2) == ["e", "c"]
    assert await ids(["q1", "q2"], before=30.0) == ["b", "a"]
    assert await ids(["q1", "q2", "q3"], before=30.0, limit=1) == ["b"]
    assert await ids(["q1", "q2"], query="ångSTRÖM") == ["a"]  # name, Unicode case-folded
    assert await ids(["q1", "q2"], query="kim@example") == ["b"]  # e-mail
    assert await ids(["q1", "q2"], query="ALIC") == ["c"]  # agent
    assert await ids(["q1", "q2"], query="printer") == ["e"]  # message text
    assert await ids(["q2", "q3"], query="printer") == []  # other queues
    assert await ids(["q1"], query="%") == []  # no LIKE wildcards
    assert await ids(["q1"], query="requestor") == ["e", "c"]  # default names "Requestor <id>"
    assert await ids(["q1"], query="requestor", before=50.0) == ["c"]
