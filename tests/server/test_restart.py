"""A server restart over the same data folder loses no acknowledged message and no waiting request."""

from __future__ import annotations

from onduty.shared.messages import (
    AgentJoined,
    AgentStatus,
    ChatAssigned,
    ChatMessage,
    ChatRequested,
    Login,
    LoginOk,
    ResumeChat,
    Send,
    Sent,
    Waiting,
)

from .conftest import agent_on_duty, request
from .harness import Harness


async def test_restart_keeps_chats_messages_sessions_and_the_waiting_line(harness: Harness) -> None:
    ann, ok = await agent_on_duty(harness, "ann")
    rita, chat = await request(harness, text="first")
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    await rita.expect(AgentJoined)
    await ann.send(Send(chat_id=chat.chat_id, client_msg_id="a1", text="acknowledged before the crash"))
    assert (await ann.expect(Sent)).seq == 2
    rosa, waiting = await request(harness, text="I am waiting")
    assert (await rosa.expect(Waiting)).position == 1

    await harness.stop()
    await harness.start()

    # The agent's session token still works; its chat comes back with every message.
    again = await harness.connect("/ws/agent")
    await again.send(Login(username="ann", token=ok.token))
    await again.expect(LoginOk)
    resumed = await again.expect(ChatAssigned)
    assert resumed.resumed and resumed.chat.chat_id == chat.chat_id
    texts = [(await again.expect(ChatMessage)).text for _ in range(2)]
    assert texts == ["first", "acknowledged before the crash"]

    # The requestor in line is still in line, in the same place.
    rosa2 = await harness.connect("/ws/requestor")
    await rosa2.send(ResumeChat(chat_id=waiting.chat_id, resume_token=waiting.resume_token, after_seq=1))
    assert (await rosa2.expect(ChatRequested)).chat_id == waiting.chat_id
    assert (await rosa2.expect(Waiting)).position == 1

    # The chatting requestor resumes from what it acked (nothing): the replay holds its own
    # message (recognisable by client_msg_id) and the agent's.
    rita2 = await harness.connect("/ws/requestor")
    await rita2.send(ResumeChat(chat_id=chat.chat_id, resume_token=chat.resume_token))
    await rita2.expect(ChatRequested)
    await rita2.expect(AgentJoined)
    replay = [await rita2.expect(ChatMessage), await rita2.expect(ChatMessage)]
    assert [(m.seq, m.client_msg_id) for m in replay] == [(1, "first"), (2, "a1")]


async def test_an_agent_back_within_its_grace_after_a_restart_is_still_on_duty(harness: Harness) -> None:
    _ann, ok = await agent_on_duty(harness, "ann")
    await harness.stop()
    await harness.start()
    await harness.advance(30.0)  # within agent_grace_s (60)
    again = await harness.connect("/ws/agent")
    await again.send(Login(username="ann", token=ok.token))
    await again.expect(LoginOk)
    status = await again.until(AgentStatus)
    assert status.on_duty and status.routable  # no set_duty needed: chats are routed to ann again
    await request(harness)
    assert (await again.expect(ChatAssigned)).chat.requestor.name == "Rita Requestor"


async def test_an_agent_back_after_its_grace_is_off_duty(harness: Harness) -> None:
    _ann, ok = await agent_on_duty(harness, "ann")
    await harness.stop()
    await harness.start()
    await harness.advance(61.0)
    again = await harness.connect("/ws/agent")
    await again.send(Login(username="ann", token=ok.token))
    await again.expect(LoginOk)
    assert (await again.until(AgentStatus)).on_duty is False
