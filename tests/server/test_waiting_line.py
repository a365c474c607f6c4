"""The waiting line over the wire: positions, the two-minute drop, requeue after a lost agent."""

from __future__ import annotations

from onduty.shared.messages import AgentJoined, ChatAssigned, ChatEnded, ChatMessage, ChatRequeued, Waiting
from onduty.shared.types import ChatState, EndReason

from .conftest import agent_on_duty, request
from .harness import Harness


async def test_requestors_wait_in_order_and_are_dropped_after_two_minutes(harness: Harness) -> None:
    first, _ = await request(harness)
    assert (await first.expect(Waiting)).position == 1
    await harness.advance(30)
    second, _ = await request(harness)
    assert (await second.expect(Waiting)).position == 2

    await harness.advance(89.9)  # first has waited 119.9 s
    await harness.advance(0.1)
    ended = await first.expect(ChatEnded)
    assert ended.reason is EndReason.TIMEOUT
    assert ended.text == "All agents are busy, please try again later."
    assert ended.state is ChatState.CLOSED
    # The second moves up to the head of the line.
    assert (await second.expect(Waiting)).position == 1
    await harness.advance(30)
    assert (await second.expect(ChatEnded)).reason is EndReason.TIMEOUT


async def test_agent_going_on_duty_takes_the_longest_waiting(harness: Harness) -> None:
    first, one = await request(harness)
    await harness.advance(1)
    _second, _ = await request(harness)
    await first.expect(Waiting)
    ann, _ = await agent_on_duty(harness, "ann")
    assert (await ann.expect(ChatAssigned)).chat.chat_id == one.chat_id
    assert (await first.expect(AgentJoined)).agent_name == "Ann Agent"


async def test_lost_agent_keeps_chat_for_grace_then_it_goes_back_to_the_line(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    await ann.expect(ChatAssigned)
    await rita.expect(AgentJoined)
    await ann.close()
    await harness.advance(59)
    assert (view := harness.shell.routing.chat(requested.chat_id)) is not None and view.agent == "ann"
    await harness.advance(1)
    assert (await rita.expect(ChatRequeued)).chat_id == requested.chat_id
    assert (await rita.expect(Waiting)).position == 1
    bob, _ = await agent_on_duty(harness, "bob")
    moved = await bob.expect(ChatAssigned)
    assert moved.chat.chat_id == requested.chat_id
    assert (await bob.expect(ChatMessage)).seq == 1  # the history moves with the chat
    assert (await rita.expect(AgentJoined)).agent_name == "Bob Agent"


async def test_requestor_who_does_not_come_back_leaves_the_line(harness: Harness) -> None:
    rita, requested = await request(harness)
    await rita.expect(Waiting)
    await rita.close()
    await harness.advance(60)
    ann, _ = await agent_on_duty(harness, "ann")
    assert harness.shell.routing.chat(requested.chat_id) is None
    assert harness.shell.routing.agent_status("ann").chats == ()
    await ann.close()
