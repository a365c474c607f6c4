"""Warm handover through a real server: three agents, one requestor, nothing lost or doubled."""

from __future__ import annotations

from collections.abc import Callable

from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    AgentJoined,
    AnswerDiscussion,
    ChatAssigned,
    ChatClosed,
    ChatMessage,
    ColdTransfer,
    Discuss,
    DiscussionMessage,
    DiscussionOffer,
    DiscussionSay,
    DiscussionUpdate,
    Error,
    GetPartners,
    GetTranscript,
    Partners,
    Send,
    Sent,
    SetPresence,
    Transcript,
    Transfer,
    Waiting,
)
from onduty.shared.types import DiscussionState, Presence, Role

from .conftest import agent_on_duty, request
from .harness import Harness, Wire


async def texts_until(wire: Wire, n: int) -> list[tuple[int, str]]:
    return [((m := await wire.until(ChatMessage)).seq, m.text) for _ in range(n)]


async def test_discuss_accept_transfer_keeps_one_sequence_for_the_requestor(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")  # cim-emea
    rita, requested = await request(harness, text="I need help with an order")
    chat_id = requested.chat_id
    await rita.expect(AgentJoined)
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)
    bob, _ = await agent_on_duty(harness, "bob")  # cim-emea too, but not asked
    carl, _ = await agent_on_duty(harness, "carl")  # cic

    await ann.send(Send(chat_id=chat_id, client_msg_id="a1",
                        text="Your question belongs to another expert area. Let me check if someone is available."))
    await ann.expect(Sent)
    await ann.send(GetPartners())
    partners = await ann.until(Partners)
    cic = next(q for q in partners.queues if q.queue == "cic")
    assert (cic.routable, cic.on_duty) == (1, 1)

    await ann.send(Discuss(chat_id=chat_id, queue="cic"))
    offered = await ann.until(DiscussionUpdate)
    assert (offered.discussion.state, offered.discussion.receiver) == (DiscussionState.OFFERED, "carl")
    offer = await carl.until(DiscussionOffer)
    d = offer.discussion.discussion_id
    assert offer.chat.chat_id == chat_id and offer.chat.requestor.name == "Rita Requestor"

    # carl reads the history before deciding (not a chat of his queue otherwise)
    await carl.send(GetTranscript(chat_id=chat_id))
    assert [m.seq for m in (await carl.until(Transcript)).messages] == [1, 2]

    # transfer before acceptance is refused
    await ann.send(Transfer(discussion_id=d))
    refused = await ann.until(Error)
    assert (refused.code, refused.ref) == (ErrorCode.NOT_ALLOWED, "transfer")

    await ann.send(DiscussionSay(discussion_id=d, client_msg_id="s1", text="Order 4711, pricing question"))
    said = await carl.until(DiscussionMessage)
    assert (said.sender, said.text) == ("ann", "Order 4711, pricing question")
    await rita.send(Send(chat_id=chat_id, client_msg_id="r2", text="Still there?"))  # during the discussion
    await rita.until(Sent)

    await carl.send(AnswerDiscussion(discussion_id=d, accept=True))
    accepted = await ann.until(DiscussionUpdate, lambda u: u.discussion.state is DiscussionState.ACCEPTED)
    assert "accepted" in accepted.text
    await ann.send(Transfer(discussion_id=d))

    assert (await ann.until(ChatClosed)).chat_id == chat_id  # the sender's window closes
    moved = await carl.until(ChatAssigned)
    assert moved.transferred_from == "Ann Agent" and moved.chat.agent == "carl"
    assert await texts_until(carl, 3) == [
        (1, "I need help with an order"),
        (2, "Your question belongs to another expert area. Let me check if someone is available."),
        (3, "Still there?"),
    ]
    joined = await rita.until(AgentJoined)
    assert (joined.agent_name, joined.transferred) == ("Carl Agent", True)

    await rita.send(Send(chat_id=chat_id, client_msg_id="r3", text="After the move"))
    assert await texts_until(carl, 1) == [(4, "After the move")]
    await carl.send(Send(chat_id=chat_id, client_msg_id="c1", text="Hello, I am Carl from CIC"))
    assert (await carl.until(Sent)).seq == 5
    # the requestor saw each agent message once, in order, across the move
    last = await rita.until(ChatMessage, lambda m: m.seq == 5)
    got = [(m.seq, m.sender) for m in rita.seen if isinstance(m, ChatMessage)]
    assert got == [(2, Role.AGENT), (5, Role.AGENT)] and last.sender_name == "Carl Agent"
    assert [m for m in bob.seen if isinstance(m, (ChatAssigned, DiscussionOffer))] == []

    kinds = [e.kind for e in await harness.shell.store.audit_log(chat_id)]
    assert kinds.index("discussion_offered") < kinds.index("discussion_accepted") < kinds.index("transferred")
    record = await harness.shell.store.get_chat(chat_id)
    assert record is not None and (record.agent, record.queue) == ("carl", "cic")


async def test_each_side_of_a_handover_reads_its_own_wording(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    _rita, requested = await request(harness)
    await ann.expect(ChatAssigned)
    carl, _ = await agent_on_duty(harness, "carl")
    await ann.send(Discuss(chat_id=requested.chat_id, colleague="carl"))
    offer = await carl.until(DiscussionOffer)

    def state(s: DiscussionState) -> Callable[[DiscussionUpdate], bool]:
        return lambda u: u.discussion.state is s

    await carl.send(AnswerDiscussion(discussion_id=offer.discussion.discussion_id, accept=True))
    accepted = DiscussionState.ACCEPTED
    assert (await ann.until(DiscussionUpdate, state(accepted))).text == \
        "Carl Agent accepted: you can transfer the chat now."
    assert (await carl.until(DiscussionUpdate, state(accepted))).text == \
        "You accepted. Ann Agent can transfer the chat to you now."

    await ann.send(Transfer(discussion_id=offer.discussion.discussion_id))
    moved = DiscussionState.TRANSFERRED
    assert (await ann.until(DiscussionUpdate, state(moved))).text == "The chat was transferred to Carl Agent."
    assert (await carl.until(DiscussionUpdate, state(moved))).text == "Ann Agent transferred the chat to you."


async def test_nobody_accepting_comes_back_and_the_requestor_never_hears_of_it(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    await rita.expect(AgentJoined)
    await ann.expect(ChatAssigned)
    carl, _ = await agent_on_duty(harness, "carl")
    await ann.send(Discuss(chat_id=requested.chat_id, colleague="carl"))
    offer = await carl.until(DiscussionOffer)
    await harness.advance(61)
    expired = await ann.until(DiscussionUpdate, lambda u: u.discussion.state is DiscussionState.EXPIRED)
    assert "Nobody available" in expired.text
    assert (await carl.until(DiscussionUpdate)).discussion.discussion_id == offer.discussion.discussion_id
    assert [type(m) for m in rita.seen].count(AgentJoined) == 1  # only the first agent joining

    await carl.send(SetPresence(presence=Presence.AWAY))
    await ann.send(Discuss(chat_id=requested.chat_id, queue="cic"))
    nobody = await ann.until(DiscussionUpdate, lambda u: u.discussion.state is DiscussionState.NOBODY_AVAILABLE)
    assert nobody.text.startswith("Nobody available in cic")


async def test_cold_transfer_goes_to_the_head_of_the_other_queue(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    await rita.expect(AgentJoined)
    await ann.expect(ChatAssigned)
    await ann.send(ColdTransfer(chat_id=requested.chat_id, queue="cim-emea"))
    assert (await ann.until(Error)).code is ErrorCode.NOT_ROUTABLE  # ann is in cim-emea herself
    await ann.send(ColdTransfer(chat_id=requested.chat_id, queue="cic"))
    assert (await ann.until(ChatClosed)).chat_id == requested.chat_id
    assert (await rita.until(Waiting)).position == 1
    carl, _ = await agent_on_duty(harness, "carl")
    moved = await carl.until(ChatAssigned)
    assert moved.transferred_from == "Ann Agent"
    joined = await rita.until(AgentJoined)
    assert (joined.agent_name, joined.transferred) == ("Carl Agent", True)
