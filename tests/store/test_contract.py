"""The guarantees written on :mod:`onduty.server.store.base`, one test each (any implementation)."""

from __future__ import annotations

import asyncio

import pytest

from onduty.server.store.base import (
    CaseStore,
    ChatStore,
    CollabStore,
    DirectoryStore,
    Lifecycle,
    Store,
    StoreError,
    case_store,
)
from onduty.server.store.errors import SeqOutOfRange, StoreRefused
from onduty.server.store.records import AgentRecord, AgentState, QueueRecord
from onduty.shared.types import ChatState, EndReason, Presence, Role
from tests.store.backends import MakeChat


def _roles(store: Store) -> tuple[Lifecycle, ChatStore, DirectoryStore, CollabStore, CaseStore]:
    """Type-level: a Store is each of the role protocols."""
    return store, store, store, store, store


async def test_the_store_is_a_store_of_every_role(store: Store) -> None:
    assert len(_roles(store)) == 5
    assert case_store(store) is store
    with pytest.raises(TypeError, match="does not keep case records"):
        case_store(object())


# ---- 1. order ------------------------------------------------------------------------------


async def test_writes_for_one_chat_are_applied_in_the_order_they_start(with_queue: Store) -> None:
    """Fire-and-forget writes (tasks, as the shell's ``background``) are applied in task order."""
    store = with_queue
    await store.add_agent(AgentRecord("bob", "Bob", "eu", "x", ("q1",), "h"))
    tasks = [
        asyncio.create_task(store.update_chat("c1", state=ChatState.ASSIGNED, agent="bob", assigned_at=1.0)),
        asyncio.ensure_future(store.append_message("c1", Role.AGENT, "Bob", "first", 2.0, None)),
        asyncio.create_task(store.update_chat("c1", state=ChatState.ACTIVE)),
        asyncio.ensure_future(store.append_message("c1", Role.REQUESTOR, "R", "second", 3.0, None)),
        asyncio.create_task(store.ack("c1", Role.REQUESTOR, 2)),  # valid only after both appends
        asyncio.create_task(store.update_chat("c1", state=ChatState.ENDED, ended_at=4.0,
                                              end_reason=EndReason.AGENT_ENDED)),
    ]
    await asyncio.gather(*tasks)
    chat = await store.get_chat("c1")
    assert chat is not None
    assert (chat.state, chat.agent, chat.last_seq) == (ChatState.ENDED, "bob", 2)
    assert [m.text for m in await store.messages_after("c1", 0)] == ["first", "second"]
    assert await store.acked("c1", Role.REQUESTOR) == 2


async def test_the_order_is_when_a_write_starts_not_when_its_coroutine_was_made(with_queue: Store) -> None:
    """A write handed to a task starts on a later loop turn than one awaited at once."""
    store = with_queue
    later = asyncio.create_task(store.update_chat("c1", state=ChatState.CLOSED, closed_at=9.0))
    await store.update_chat("c1", state=ChatState.ENDED, ended_at=8.0)  # starts first: applied first
    await later
    chat = await store.get_chat("c1")
    assert chat is not None
    assert chat.state is ChatState.CLOSED


async def test_order_holds_across_many_batches(with_queue: Store) -> None:
    store = with_queue
    for round_ in range(5):
        await asyncio.gather(*(store.append_message("c1", Role.AGENT, "B", f"{round_}-{i}", 1.0, None)
                               for i in range(40)))
    texts = [m.text for m in await store.messages_after("c1", 0)]
    assert texts == [f"{r}-{i}" for r in range(5) for i in range(40)]


# ---- seq and idempotency ----------------------------------------------------------------------


async def test_seq_has_no_gap_when_appends_are_refused_in_between(with_queue: Store) -> None:
    store = with_queue
    results = await asyncio.gather(
        *(store.append_message("c1" if i % 3 else "ghost", Role.AGENT, "B", str(i), 1.0, None) for i in range(30)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 10
    assert all(isinstance(r, StoreRefused) for r in refused)
    stored = await store.messages_after("c1", 0)
    assert [m.seq for m in stored] == list(range(1, 21))
    chat = await store.get_chat("c1")
    assert chat is not None
    assert chat.last_seq == 20


async def test_a_resent_message_gets_its_original_seq_whatever_came_between(with_queue: Store) -> None:
    store = with_queue
    first, _ = await store.append_message("c1", Role.REQUESTOR, "R", "hello", 1.0, "m-1")
    await store.append_message("c1", Role.AGENT, "B", "hi", 2.0, "m-1")  # other sender: its own message
    again, new = await store.append_message("c1", Role.REQUESTOR, "R", "hello", 3.0, "m-1")
    assert (again, new) == (first, False)
    chat = await store.get_chat("c1")
    assert chat is not None
    assert chat.last_seq == 2


async def test_the_same_client_msg_id_in_another_chat_is_another_message(with_queue: Store,
                                                                           make_chat: MakeChat) -> None:
    store = with_queue
    await store.create_chat(make_chat("c2"))
    a, _ = await store.append_message("c1", Role.REQUESTOR, "R", "x", 1.0, "same")
    b, new = await store.append_message("c2", Role.REQUESTOR, "R", "x", 1.0, "same")
    assert (a.chat_id, b.chat_id, b.seq, new) == ("c1", "c2", 1, True)


async def test_open_chats_carry_last_seq(with_queue: Store, make_chat: MakeChat) -> None:
    store = with_queue
    await store.create_chat(make_chat("c2", requested_at=200.0))
    await store.create_chat(make_chat("gone", requested_at=50.0))
    for i in range(3):
        await store.append_message("c1", Role.REQUESTOR, "R", str(i), 1.0, None)
    await store.append_message("gone", Role.REQUESTOR, "R", "x", 1.0, None)
    await store.update_chat("gone", state=ChatState.CLOSED, closed_at=60.0)
    assert [(c.chat_id, c.last_seq) for c in await store.open_chats()] == [("c1", 3), ("c2", 0)]


async def test_im_ack_beyond_the_last_seq_is_refused(store: Store) -> None:
    await store.add_queue(QueueRecord("q1"))
    for name in ("ann", "bob"):
        await store.add_agent(AgentRecord(name, name, "eu", "x", ("q1",), "h"))
    await store.add_im("ann", "Ann", "bob", "hi", 1.0, "i-1", None)
    with pytest.raises(SeqOutOfRange):
        await store.im_ack("bob", "ann", 2)
    await store.im_ack("bob", "ann", 1)
    assert await store.im_unread("bob") == []


# ---- agents' duty and presence -------------------------------------------------------------------


async def test_agent_state_is_kept_per_agent_and_replaced(store: Store) -> None:
    await store.add_queue(QueueRecord("q1"))
    for name in ("ann", "bob", "cid"):
        await store.add_agent(AgentRecord(name, name, "eu", "x", ("q1",), "h"))
    assert await store.agent_states() == {}
    await store.save_agent_state("ann", True, Presence.AVAILABLE, 10.0)
    await store.save_agent_state("bob", False, Presence.AWAY, 11.0)
    await store.save_agent_state("ann", False, Presence.BUSY, 12.0)
    assert await store.agent_states() == {
        "ann": AgentState("ann", False, Presence.BUSY, 12.0),
        "bob": AgentState("bob", False, Presence.AWAY, 11.0),
    }
    with pytest.raises(StoreRefused, match="unknown agent"):
        await store.save_agent_state("ghost", True, Presence.AVAILABLE, 13.0)


# ---- failures ------------------------------------------------------------------------------------


async def test_every_refusal_is_a_store_error(with_queue: Store) -> None:
    store = with_queue
    assert store.healthy
    with pytest.raises(StoreRefused):
        await store.add_queue(QueueRecord("q1"))
    with pytest.raises(StoreRefused):
        await store.update_chat("ghost", state=ChatState.ACTIVE)
    assert issubclass(StoreRefused, StoreError)
    assert store.healthy


async def test_a_message_sent_twice_in_one_batch_is_stored_once(with_queue: Store) -> None:
    """A resend racing its original (both queued before either commits) still gets the original's seq."""
    store = with_queue
    results = await asyncio.gather(
        store.append_message("c1", Role.REQUESTOR, "R", "one", 1.0, "m-1"),
        store.append_message("c1", Role.REQUESTOR, "R", "two", 2.0, None),
        store.append_message("c1", Role.REQUESTOR, "R", "one again", 3.0, "m-1"),
        store.append_message("ghost", Role.REQUESTOR, "R", "lost", 4.0, "m-2"),
        return_exceptions=True,
    )
    first, second, again, refused = results
    assert isinstance(first, tuple) and isinstance(second, tuple) and isinstance(again, tuple)
    assert (first[0].seq, first[1], second[0].seq, again) == (1, True, 2, (first[0], False))
    assert isinstance(refused, StoreRefused)
    assert [m.text for m in await store.messages_after("c1", 0)] == ["one", "two"]
