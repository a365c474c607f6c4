"""Delivery promise: after a reconnect each side gets what it missed, once, in order."""

from __future__ import annotations

import asyncio
import sqlite3

from onduty.shared.messages import (
    Ack,
    AgentJoined,
    ChatAssigned,
    ChatMessage,
    ChatRequested,
    Error,
    Login,
    LoginOk,
    ResumeChat,
    Send,
    Sent,
)
from onduty.shared.types import Role

from .conftest import agent_on_duty, request
from .harness import Harness, Wire


async def _say(wire: Wire, chat_id: str, mid: str, text: str) -> int:
    await wire.send(Send(chat_id=chat_id, client_msg_id=mid, text=text))
    return (await wire.expect(Sent)).seq


async def test_agent_reconnects_with_token_and_gets_only_what_it_missed(harness: Harness) -> None:
    ann, ok = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    chat_id = requested.chat_id
    await ann.expect(ChatAssigned)
    assert (await ann.expect(ChatMessage)).seq == 1
    await rita.expect(AgentJoined)
    await ann.close()
    for i in range(3):
        await _say(rita, chat_id, f"r{i}", f"while you were away {i}")

    again = await harness.connect("/ws/agent")
    await again.send(Login(username="ann", token=ok.token, cursors={chat_id: 1}))
    await again.expect(LoginOk)
    resumed = await again.expect(ChatAssigned)
    assert resumed.resumed and resumed.chat.chat_id == chat_id
    got = [await again.expect(ChatMessage) for _ in range(3)]
    assert [m.seq for m in got] == [2, 3, 4]
    assert [m.text for m in got] == [f"while you were away {i}" for i in range(3)]
    # Nothing more arrives than the next live message.
    seq = await _say(rita, chat_id, "r9", "live")
    nxt = await again.expect(ChatMessage)
    assert (nxt.seq, nxt.text) == (seq, "live")


async def test_resent_message_is_not_stored_twice(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    first = await _say(ann, requested.chat_id, "same-id", "hello")
    again = await _say(ann, requested.chat_id, "same-id", "hello")
    assert first == again == 2
    await rita.expect(AgentJoined)
    assert (await rita.expect(ChatMessage)).seq == 2
    next_seq = await _say(ann, requested.chat_id, "other", "next")
    assert next_seq == 3
    assert (await rita.expect(ChatMessage)).seq == 3  # seq 2 was not delivered twice


async def test_requestor_resumes_with_token_and_after_seq(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    chat_id = requested.chat_id
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    await rita.expect(AgentJoined)
    await rita.close()
    s1 = await _say(ann, chat_id, "a1", "are you still there?")
    s2 = await _say(ann, chat_id, "a2", "hello?")

    back = await harness.connect("/ws/requestor")
    await back.send(ResumeChat(chat_id=chat_id, resume_token=requested.resume_token, after_seq=1))
    assert (await back.expect(ChatRequested)).chat_id == chat_id
    assert (await back.expect(AgentJoined)).agent_name == "Ann Agent"
    got = [await back.expect(ChatMessage), await back.expect(ChatMessage)]
    assert [(m.seq, m.sender) for m in got] == [(s1, Role.AGENT), (s2, Role.AGENT)]

    wrong = await harness.connect("/ws/requestor")
    await wrong.send(ResumeChat(chat_id=chat_id, resume_token="not-the-token"))
    assert (await wrong.expect(Error)).code == "unknown_chat"


async def test_a_second_sign_in_replaces_the_first_connection(harness: Harness) -> None:
    first, ok = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    await first.expect(ChatAssigned)
    second = await harness.connect("/ws/agent")
    await second.send(Login(username="ann", token=ok.token))
    await second.expect(LoginOk)
    assert (await second.expect(ChatAssigned)).chat.chat_id == requested.chat_id
    assert (await first.until(Error, lambda e: True)).code == "replaced"
    # Closed from the server's writer while its reader waits: aiohttp sends the 1000 close frame but drops
    # the transport before the client's reply, so the aiohttp client reports 1000 or 1006.
    assert await first.closed() in (1000, 1006)
    # The chat goes on over the new connection; the old one going away changes nothing.
    assert harness.shell.routing.agent_status("ann").connected
    await rita.expect(AgentJoined)
    seq = await _say(rita, requested.chat_id, "r1", "still there?")
    assert (await second.until(ChatMessage, lambda m: m.seq == seq)).text == "still there?"


async def test_an_ack_is_recorded_while_the_connections_own_send_waits_for_the_disk(harness: Harness) -> None:
    """An ack does not wait for the sends in flight before it: with the database locked by someone else (the admin
    CLI, say) the agent's reply waits for its commit, and the agent's ack of the requestor's message is taken
    meanwhile. It used to wait for that commit, holding up everything the connection sent after it."""
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    chat_id = requested.chat_id
    await ann.expect(ChatAssigned)
    first = await ann.expect(ChatMessage)
    acked = asyncio.Event()
    writes = harness.shell.writes
    record = writes.ack

    def ack(chat: str, party: Role, seq: int) -> None:
        record(chat, party, seq)
        acked.set()

    writes.ack = ack  # type: ignore[method-assign]
    lock = sqlite3.connect(harness.config.db_path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # the server's next commit waits for this lock
    try:
        await ann.send(Send(chat_id=chat_id, client_msg_id="a1", text="one moment"))
        await ann.send(Ack(chat_id=chat_id, seq=first.seq))
        await asyncio.wait_for(acked.wait(), 3)
        assert await writes.acked(chat_id, Role.AGENT) == first.seq
    finally:
        lock.rollback()
        lock.close()
    assert (await ann.expect(Sent)).client_msg_id == "a1"  # and the reply is stored once the lock is gone
    assert (await rita.until(ChatMessage)).text == "one moment"
