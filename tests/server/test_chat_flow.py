"""A whole chat over real loopback WebSockets: routing, window blocking, ending and closing."""

from __future__ import annotations

from onduty.shared.messages import (
    AgentJoined,
    AgentStatus,
    ChatAssigned,
    ChatClosed,
    ChatEnded,
    ChatList,
    ChatMessage,
    CloseChat,
    EndChat,
    Error,
    GetTranscript,
    ListChats,
    Send,
    Sent,
    SetPresence,
    Transcript,
    Waiting,
)
from onduty.shared.types import ChatState, EndReason, Presence, RequestType, Role

from .conftest import agent_on_duty, request
from .harness import Harness


async def test_chat_is_routed_relayed_ended_and_closed(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    chat_id = requested.chat_id
    assert (await rita.expect(AgentJoined)).agent_name == "Ann Agent"

    assigned = await ann.expect(ChatAssigned)
    assert assigned.chat.chat_id == chat_id
    assert assigned.chat.requestor.name == "Rita Requestor"
    assert assigned.chat.request_type is RequestType.INFORMATIONAL
    first = await ann.expect(ChatMessage)
    assert (first.seq, first.sender, first.text) == (1, Role.REQUESTOR, "Hello, I need a processor")

    await ann.send(Send(chat_id=chat_id, client_msg_id="a1", text="Hello, I am Ann from CIM EMEA"))
    sent = await ann.expect(Sent)
    assert sent.seq == 2
    reply = await rita.expect(ChatMessage)
    assert (reply.seq, reply.sender, reply.sender_name) == (2, Role.AGENT, "Ann Agent")

    await rita.send(EndChat(chat_id=chat_id))
    assert (await ann.expect(ChatEnded)).reason is EndReason.REQUESTOR_LEFT
    assert (await rita.expect(ChatEnded)).reason is EndReason.REQUESTOR_LEFT

    # The window stays open: Ann is not routable and a new requestor waits.
    rosa, second = await request(harness, text="Are you there?")
    assert (await rosa.expect(Waiting)).position == 1

    await ann.send(CloseChat(chat_id=chat_id))
    assert (await ann.expect(ChatClosed)).chat_id == chat_id
    nxt = await ann.expect(ChatAssigned)
    assert nxt.chat.chat_id == second.chat_id
    assert (await rosa.expect(AgentJoined)).agent_name == "Ann Agent"


async def test_agent_ending_keeps_window_until_closed(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    await rita.expect(AgentJoined)
    await ann.send(EndChat(chat_id=requested.chat_id))
    ended = await rita.expect(ChatEnded)
    assert ended.reason is EndReason.AGENT_ENDED
    await ann.expect(ChatEnded)
    await rita.send(Send(chat_id=requested.chat_id, client_msg_id="late", text="one more thing"))
    assert (await rita.expect(Error)).code == "chat_ended"
    status = harness.shell.routing.agent_status("ann")
    assert status.chats == (requested.chat_id,) and not status.routable


async def test_only_available_agents_get_chats_and_longest_idle_first(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    bob, _ = await agent_on_duty(harness, "bob")
    await ann.send(SetPresence(presence=Presence.AWAY))
    status = await ann.until(AgentStatus, lambda s: s.presence is Presence.AWAY)
    assert not status.routable
    _rita, first = await request(harness)
    assert (await bob.expect(ChatAssigned)).chat.chat_id == first.chat_id
    # Ann comes back: she is the only routable one, so the next chat is hers.
    await ann.send(SetPresence(presence=Presence.AVAILABLE))
    _rosa, second = await request(harness)
    assert (await ann.expect(ChatAssigned)).chat.chat_id == second.chat_id


async def test_transcripts_of_my_queues_are_listed_and_readable(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    _rita, requested = await request(harness, text="transcript me")
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    await ann.send(Send(chat_id=requested.chat_id, client_msg_id="a1", text="done"))
    await ann.expect(Sent)
    await ann.send(CloseChat(chat_id=requested.chat_id))
    assert (await ann.expect(ChatEnded)).reason is EndReason.AGENT_CLOSED
    await ann.expect(ChatClosed)
    await ann.send(ListChats(query="transcript"))
    listed = await ann.expect(ChatList)
    assert [c.chat_id for c in listed.chats] == [requested.chat_id]
    assert listed.chats[0].state is ChatState.CLOSED
    await ann.send(GetTranscript(chat_id=requested.chat_id))
    transcript = await ann.expect(Transcript)
    assert [m.text for m in transcript.messages] == ["transcript me", "done"]

    carl_wire, _ = await agent_on_duty(harness, "carl")
    await carl_wire.send(GetTranscript(chat_id=requested.chat_id))
    assert (await carl_wire.expect(Error)).code == "not_allowed"


async def test_long_transcripts_come_in_pages(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    _rita, requested = await request(harness, text="page me")
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    for i in range(150):
        await ann.send(Send(chat_id=requested.chat_id, client_msg_id=f"m{i}", text=f"line {i}"))
        await ann.expect(Sent)
    await ann.send(GetTranscript(chat_id=requested.chat_id))
    first = await ann.expect(Transcript)
    assert len(first.messages) == 100 and first.more
    await ann.send(GetTranscript(chat_id=requested.chat_id, after_seq=first.messages[-1].seq))
    second = await ann.expect(Transcript)
    assert [m.seq for m in second.messages] == list(range(101, 152)) and not second.more


async def test_a_burst_of_sends_then_end_keeps_its_order_for_both_sides(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness, text=None)
    chat_id = requested.chat_id
    await rita.expect(AgentJoined)
    await ann.expect(ChatAssigned)
    for i in range(30):  # not waiting for each confirmation: they are stored while the next ones arrive
        await rita.send(Send(chat_id=chat_id, client_msg_id=f"b{i}", text=f"burst {i}"))
    await rita.send(EndChat(chat_id=chat_id))
    assert [(await rita.expect(Sent)).seq for _ in range(30)] == list(range(1, 31))
    assert (await rita.expect(ChatEnded)).reason is EndReason.REQUESTOR_LEFT
    got = [(await ann.expect(ChatMessage)).text for _ in range(30)]
    assert got == [f"burst {i}" for i in range(30)]
    assert (await ann.expect(ChatEnded)).reason is EndReason.REQUESTOR_LEFT
