"""Random handovers mixed with ordinary routing: capacity and the handover rules always hold."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from onduty.server.core import events as ev
from onduty.server.core.decisions import Decision, DiscussionChanged, Transferred
from onduty.server.core.model import RouterConfig
from onduty.server.core.router import Router
from onduty.shared.errors import ProtocolError
from onduty.shared.types import ChatState, DiscussionState, Presence

QUEUES = ("q0", "q1")
AGENTS = {"a0": ("q0",), "a1": ("q0",), "a2": ("q1",), "a3": ("q1",), "a4": ("q0", "q1")}
CAPACITY = {"a0": 1, "a1": 1, "a2": 1, "a3": 2, "a4": 1}


class HandoverMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.router = Router(RouterConfig(agent_grace_s=30.0, requestor_grace_s=30.0, discussion_timeout_s=60.0))
        self.t = 0.0
        self.chats = 0
        self.discussions = 0
        self.accepted: set[str] = set()
        self.receiver: dict[str, str] = {}
        self.sender: dict[str, str] = {}

    def feed(self, event: ev.Event) -> list[Decision]:
        try:
            out = self.router.apply(event)
        except ProtocolError:
            return []
        for d in out:
            if isinstance(d, DiscussionChanged):
                if d.state is DiscussionState.ACCEPTED:
                    self.accepted.add(d.discussion_id)
                if d.receiver is not None:
                    self.receiver[d.discussion_id] = d.receiver
                    self.sender[d.discussion_id] = d.sender
            if isinstance(d, Transferred) and d.to_agent is not None:
                warm = [k for k, r in self.receiver.items() if r == d.to_agent and k in self.accepted]
                assert warm, f"transfer to {d.to_agent} without an accepted discussion"
        return out

    @initialize()
    def setup(self) -> None:
        for q in QUEUES:
            self.feed(ev.QueueConfigured(self.t, q, 120.0))
        for name, queues in AGENTS.items():
            self.feed(ev.AgentConfigured(self.t, name, queues, CAPACITY[name]))
            self.feed(ev.AgentConnected(self.t, name))
            self.feed(ev.DutySet(self.t, name, True))

    @rule(agent=st.sampled_from(sorted(AGENTS)), presence=st.sampled_from(list(Presence)[:3]))
    def presence(self, agent: str, presence: Presence) -> None:
        self.feed(ev.PresenceSet(self.t, agent, presence))

    @rule(agent=st.sampled_from(sorted(AGENTS)), up=st.booleans())
    def connection(self, agent: str, up: bool) -> None:
        self.feed(ev.AgentConnected(self.t, agent) if up else ev.AgentDisconnected(self.t, agent, False))

    @rule(queue=st.sampled_from(QUEUES))
    def request(self, queue: str) -> None:
        self.chats += 1
        self.feed(ev.ChatRequested(self.t, f"c{self.chats}", queue))

    @rule(data=st.data())
    def discuss(self, data: st.DataObject) -> None:
        held = [(a, c) for a in AGENTS for c in self.router.agent_chats(a)]
        if not held:
            return
        agent, chat = data.draw(st.sampled_from(held))
        self.discussions += 1
        if data.draw(st.booleans()):
            target = {"queue": data.draw(st.sampled_from(QUEUES))}
        else:
            target = {"colleague": data.draw(st.sampled_from(sorted(AGENTS)))}
        self.feed(ev.DiscussionRequested(self.t, f"d{self.discussions}", chat, agent, **target))

    @rule(data=st.data(), accept=st.booleans())
    def answer(self, data: st.DataObject, accept: bool) -> None:
        if not self.receiver:
            return
        d = data.draw(st.sampled_from(sorted(self.receiver)))
        who = self.receiver[d] if data.draw(st.booleans()) else data.draw(st.sampled_from(sorted(AGENTS)))
        self.feed(ev.DiscussionAnswered(self.t, d, who, accept))

    @rule(data=st.data(), cancel=st.booleans())
    def transfer_or_cancel(self, data: st.DataObject, cancel: bool) -> None:
        if not self.receiver:
            return
        d = data.draw(st.sampled_from(sorted(self.receiver)))
        who = self.sender[d] if data.draw(st.booleans()) else data.draw(st.sampled_from(sorted(AGENTS)))
        self.feed(ev.DiscussionCancelled(self.t, d, who) if cancel else ev.TransferRequested(self.t, d, who))

    @rule(data=st.data(), queue=st.sampled_from(QUEUES))
    def cold_transfer(self, data: st.DataObject, queue: str) -> None:
        held = [(a, c) for a in AGENTS for c in self.router.agent_chats(a)]
        if held:
            agent, chat = data.draw(st.sampled_from(held))
            self.feed(ev.ColdTransferRequested(self.t, chat, agent, queue))

    @rule(data=st.data(), action=st.sampled_from(["end", "close", "requestor_end"]))
    def chat_ends(self, data: st.DataObject, action: str) -> None:
        held = [(a, c) for a in AGENTS for c in self.router.agent_chats(a)]
        if not held:
            return
        agent, chat = data.draw(st.sampled_from(held))
        event = {"end": ev.AgentEnded(self.t, chat, agent), "close": ev.AgentClosed(self.t, chat, agent),
                 "requestor_end": ev.RequestorEnded(self.t, chat)}[action]
        self.feed(event)

    @rule(step=st.sampled_from([1.0, 20.0, 31.0, 59.0, 61.0]))
    def time_passes(self, step: float) -> None:
        self.t += step
        self.feed(ev.Tick(self.t))

    @invariant()
    def capacity_holds_counting_discussions(self) -> None:
        snap = self.router.snapshot()
        reserved: dict[str, list[str]] = snap["reserved"]  # type: ignore[assignment]
        for agent in AGENTS:
            # A discussion holds a place; a transfer only turns that place into the chat.
            assert len(self.router.agent_chats(agent)) + len(reserved.get(agent, [])) <= CAPACITY[agent]

    @invariant()
    def every_chat_has_one_holder_and_discussions_follow_their_chat(self) -> None:
        holders: dict[str, str] = {}
        for agent in AGENTS:
            for chat in self.router.agent_chats(agent):
                assert chat not in holders
                holders[chat] = agent
        for agent in AGENTS:
            for d in self.router.discussions_of(agent):
                assert holders.get(d.chat_id) == d.sender
                assert self.router.chat_state(d.chat_id) in (ChatState.ASSIGNED, ChatState.ACTIVE)
                assert d.receiver != d.sender

    @invariant()
    def nobody_waits_while_an_agent_of_the_queue_is_routable(self) -> None:
        for q in QUEUES:
            if self.router.line(q):
                assert all(not self.router.agent_status(a).routable for a, qs in AGENTS.items() if q in qs)


TestHandoverMachine = HandoverMachine.TestCase
TestHandoverMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
