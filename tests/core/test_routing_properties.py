"""Random event streams against the router, checking the routing invariants after each step.

The machine keeps its own book of what the decisions said (who holds what, which chats
closed, what status and positions were last told) and checks it against the router's
queries: the shell only ever learns about the router through those decisions.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from onduty.server.core import events as ev
from onduty.server.core.decisions import (
    Activated,
    AgentStatusChanged,
    Assign,
    Close,
    Decision,
    End,
    Position,
    QueueStatusChanged,
    Requeue,
)
from onduty.server.core.model import RouterConfig
from onduty.server.core.router import Router
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.types import ChatState, EndReason, Presence

AGENT_GRACE = 60.0
REQUESTOR_GRACE = 45.0
RUNNING = (ChatState.ASSIGNED, ChatState.ACTIVE)

queue_setup = st.lists(st.sampled_from([20.0, 60.0, 120.0, 200.0]), min_size=2, max_size=3)
agent_setup = st.lists(
    st.tuples(st.sets(st.integers(0, 2), min_size=1, max_size=3), st.integers(1, 2)),
    min_size=3,
    max_size=4,
)
steps = st.sampled_from([0.5, 1.0, 5.0, 20.0, 44.5, 45.0, 59.5, 60.0, 61.0, 119.5, 120.0, 150.0, 400.0])


class RouterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.router = Router(RouterConfig(agent_grace_s=AGENT_GRACE, requestor_grace_s=REQUESTOR_GRACE))
        self.t = 0.0
        self.max_wait: dict[str, float] = {}
        self.members: dict[str, tuple[str, ...]] = {}
        self.capacity: dict[str, int] = {}
        # What the agents/requestors did (our inputs).
        self.connected: dict[str, bool] = {}
        self.on_duty: dict[str, bool] = {}
        self.presence_of: dict[str, Presence] = {}
        self.lost_since: dict[str, float] = {}
        self.waited_before: dict[str, float] = {}
        self.requestor_gone_since: dict[str, float] = {}
        # What the decisions said (the router's outputs).
        self.requested: list[str] = []
        self.held: dict[str, list[str]] = {}
        self.closed: set[str] = set()
        self.ended: set[str] = set()
        self.entered_line: dict[str, float] = {}
        self.told_agent: dict[str, AgentStatusChanged] = {}
        self.told_queue: dict[str, QueueStatusChanged] = {}
        self.told_position: dict[str, int] = {}
        self.last_tick: float | None = None
        self.free_since: dict[str, float] = {}
        self.requested_at: dict[str, float] = {}
        self.requeued: set[str] = set()  # requeued chats while they wait (head of the line)
        self.event: ev.Event | None = None
        self.remaining: dict[str, list[str]] = {}

    # --- feeding and book-keeping ----------------------------------------------------------

    def feed(self, event: ev.Event) -> list[Decision]:
        lines_before = {q: self.router.line(q) for q in self.max_wait}
        routable_before = {a: self.told_agent[a].routable for a in self.told_agent}
        out = self.router.apply(event)
        self.event = event
        self.remaining = {q: list(ids) for q, ids in lines_before.items()}
        self.last_tick = event.at if isinstance(event, ev.Tick) else None
        if isinstance(event, ev.ChatRequested):
            self.check_choice(event, out, routable_before)
        for d in out:
            self.check_and_book(d)
        for q in self.max_wait:
            for chat_id in set(lines_before[q]) - set(self.router.line(q)):
                self.waited_before[chat_id] = self.waited_before.get(chat_id, 0.0) + self.t - self.entered_line[chat_id]
            for chat_id in set(self.router.line(q)) - set(lines_before[q]):
                self.entered_line[chat_id] = self.t
        if isinstance(event, ev.Tick):  # grace over: the agent is Off Duty (and stays released)
            for name in [n for n, since in self.lost_since.items() if event.at - since >= AGENT_GRACE]:
                self.on_duty[name] = False
                del self.lost_since[name]
        self.requeued = {c for c in self.requeued if self.router.chat_state(c) is ChatState.WAITING}
        for name, status in self.told_agent.items():
            if status.routable and not routable_before.get(name, False):
                self.free_since[name] = self.t
        return out

    def check_choice(self, event: ev.ChatRequested, out: list[Decision], routable: dict[str, bool]) -> None:
        """A new request goes to the routable member with fewest chats, then longest free, then name."""
        candidates = [a for a in self.agents if routable[a] and event.queue in self.members[a]]
        assigned = [d for d in out if isinstance(d, Assign)]
        if not candidates:
            assert assigned == []
            return
        best = min(candidates, key=lambda a: (len(self.held[a]), self.free_since[a], a))
        assert assigned == [Assign(event.chat_id, best, 0.0)], (assigned, best)

    def released(self, agent: str) -> bool:
        """May ``agent``'s chats be taken from it now (signed out, or grace over)?"""
        if self.connected[agent]:
            return False
        e = self.event
        if isinstance(e, ev.AgentDisconnected) and e.username == agent and e.signed_out:
            return True
        return isinstance(e, ev.Tick) and e.at - self.lost_since[agent] >= AGENT_GRACE

    def key(self, chat_id: str) -> tuple[int, float]:
        return (0 if chat_id in self.requeued else 1, self.requested_at[chat_id])

    def check_and_book(self, d: Decision) -> None:
        match d:
            case Assign(chat_id=chat_id, agent=agent):
                # At the moment of the Assign the agent must be routable.
                assert self.connected[agent], d
                assert self.on_duty[agent], d
                assert self.presence_of[agent] is Presence.AVAILABLE, d
                assert len(self.held[agent]) < self.capacity[agent], (d, self.held[agent])
                assert self.router.chat_state(chat_id) is not None
                assert self.queue_of[chat_id] in self.members[agent], d
                assert all(chat_id not in chats for chats in self.held.values()), d
                assert chat_id not in self.closed and chat_id not in self.ended
                line = self.remaining.get(self.queue_of[chat_id], [])
                if chat_id in line:
                    # Taken from a line: the head of that line, and the oldest head of the agent's lines.
                    assert line[0] == chat_id, (d, line)
                    for q in self.members[agent]:
                        if self.remaining[q]:
                            assert self.key(chat_id) <= self.key(self.remaining[q][0]), (d, q, self.remaining)
                    line.remove(chat_id)
                self.held[agent].append(chat_id)
                self.told_position.pop(chat_id, None)
            case Requeue(chat_id=chat_id, agent=agent):
                assert chat_id in self.held[agent], d
                assert self.released(agent), (d, self.event)
                self.held[agent].remove(chat_id)
                self.requeued.add(chat_id)
            case End(chat_id=chat_id, agent=agent):
                assert chat_id not in self.ended, d
                self.check_end_reason(d)
                for line in self.remaining.values():
                    if chat_id in line:
                        line.remove(chat_id)
                self.ended.add(chat_id)
                if agent is not None:
                    assert chat_id in self.held[agent], d
                self.told_position.pop(chat_id, None)
            case Close(chat_id=chat_id, agent=agent):
                assert chat_id not in self.closed, d
                assert chat_id in self.ended, f"{d} without End"
                self.closed.add(chat_id)
                if agent is not None:
                    e = self.event
                    closed_by_agent = isinstance(e, ev.AgentClosed) and (e.chat_id, e.username) == (chat_id, agent)
                    assert closed_by_agent or self.released(agent), (d, e)
                    self.held[agent].remove(chat_id)
            case Position(chat_id=chat_id, position=position, max_wait_s=max_wait):
                assert max_wait == self.max_wait[self.queue_of[chat_id]]
                assert self.told_position.get(chat_id) != position, f"{d} repeated"
                self.told_position[chat_id] = position
            case AgentStatusChanged(username=name):
                assert self.told_agent.get(name) != d, f"{d} repeated"
                self.told_agent[name] = d
            case QueueStatusChanged(queue=queue):
                assert self.told_queue.get(queue) != d, f"{d} repeated"
                self.told_queue[queue] = d
            case Activated(chat_id=chat_id):
                assert isinstance(self.event, ev.AgentReplied) and self.event.chat_id == chat_id, d
            case _:
                raise AssertionError(f"unexpected decision {d!r}")

    def check_end_reason(self, d: End) -> None:
        e, chat_id = self.event, d.chat_id
        if d.reason is EndReason.TIMEOUT:
            assert isinstance(e, ev.Tick), (d, e)
            assert d.agent is None
            waited = self.waited_before.get(chat_id, 0.0) + e.at - self.entered_line[chat_id]
            assert waited >= self.max_wait[self.queue_of[chat_id]], d
        elif d.reason is EndReason.REQUESTOR_LEFT:
            if isinstance(e, ev.RequestorEnded):
                assert e.chat_id == chat_id, (d, e)
            else:
                assert isinstance(e, ev.Tick), (d, e)
                gone = self.requestor_gone_since.get(chat_id)
                assert gone is not None and e.at - gone >= REQUESTOR_GRACE, (d, e, gone)
        elif d.reason is EndReason.AGENT_ENDED:
            assert isinstance(e, ev.AgentEnded) and (e.chat_id, e.username) == (chat_id, d.agent), (d, e)
        else:
            assert isinstance(e, ev.AgentClosed) and (e.chat_id, e.username) == (chat_id, d.agent), (d, e)

    @property
    def agents(self) -> list[str]:
        return sorted(self.members)

    def open_chats(self) -> list[str]:
        return [c for c in self.requested if c not in self.closed]

    # --- setup -----------------------------------------------------------------------------

    @initialize(queues=queue_setup, agents=agent_setup, ready=st.lists(st.booleans(), min_size=4, max_size=4))
    def setup(self, queues: list[float], agents: list[tuple[set[int], int]], ready: list[bool]) -> None:
        self.queue_of: dict[str, str] = {}
        for i, max_wait in enumerate(queues):
            self.max_wait[f"q{i}"] = max_wait
            self.feed(ev.QueueConfigured(self.t, f"q{i}", max_wait))
        for i, (member_of, capacity) in enumerate(agents):
            name = f"a{i}"
            qs = tuple(f"q{j}" for j in sorted(member_of) if j < len(queues)) or ("q0",)
            self.members[name] = qs
            self.capacity[name] = capacity
            self.held[name] = []
            self.connected[name] = False
            self.on_duty[name] = False
            self.presence_of[name] = Presence.AVAILABLE
            self.feed(ev.AgentConfigured(self.t, name, qs, capacity))
            self.free_since[name] = self.t
        for name, go in zip(self.agents, ready, strict=False):
            if go:
                self.make_ready(name)

    def make_ready(self, name: str) -> None:
        self.connected[name] = True
        self.lost_since.pop(name, None)
        self.feed(ev.AgentConnected(self.t, name))
        self.on_duty[name] = True
        self.feed(ev.DutySet(self.t, name, True))
        self.presence_of[name] = Presence.AVAILABLE
        self.feed(ev.PresenceSet(self.t, name, Presence.AVAILABLE))

    # --- agents ----------------------------------------------------------------------------

    @rule(data=st.data())
    def connect(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(self.agents))
        self.connected[name] = True
        self.lost_since.pop(name, None)
        self.feed(ev.AgentConnected(self.t, name))

    @rule(data=st.data())
    def ready(self, data: st.DataObject) -> None:
        self.make_ready(data.draw(st.sampled_from(self.agents)))

    @rule(data=st.data(), signed_out=st.booleans())
    def disconnect(self, data: st.DataObject, signed_out: bool) -> None:
        online = [a for a in self.agents if self.connected[a]]
        if not online:
            return
        name = data.draw(st.sampled_from(online))
        self.connected[name] = False
        self.lost_since[name] = self.t
        self.feed(ev.AgentDisconnected(self.t, name, signed_out))
        if signed_out:
            self.on_duty[name] = False
            self.lost_since.pop(name)
            assert self.router.agent_chats(name) == ()

    @rule(data=st.data(), on=st.booleans())
    def duty(self, data: st.DataObject, on: bool) -> None:
        name = data.draw(st.sampled_from(self.agents))
        self.on_duty[name] = on
        self.feed(ev.DutySet(self.t, name, on))

    @rule(data=st.data(), presence=st.sampled_from([Presence.AVAILABLE, Presence.BUSY, Presence.AWAY]))
    def set_presence(self, data: st.DataObject, presence: Presence) -> None:
        name = data.draw(st.sampled_from(self.agents))
        self.presence_of[name] = presence
        self.feed(ev.PresenceSet(self.t, name, presence))

    @rule(data=st.data(), action=st.sampled_from(["reply", "end", "close"]))
    def agent_acts(self, data: st.DataObject, action: str) -> None:
        candidates = [(a, c) for a in self.agents if self.connected[a] for c in self.held[a]]
        if not candidates:
            return
        name, chat_id = data.draw(st.sampled_from(candidates))
        state = self.router.chat_state(chat_id)
        if action == "reply":
            if state is ChatState.ENDED:
                before = self.router.snapshot()
                with pytest.raises(ProtocolError) as err:
                    self.feed(ev.AgentReplied(self.t, chat_id, name))
                assert err.value.code is ErrorCode.CHAT_ENDED
                assert self.router.snapshot() == before
            else:
                first = [Activated(chat_id)] if state is ChatState.ASSIGNED else []
                assert self.feed(ev.AgentReplied(self.t, chat_id, name)) == first
                assert self.router.chat_state(chat_id) is ChatState.ACTIVE
        elif action == "end":
            self.feed(ev.AgentEnded(self.t, chat_id, name))
            assert self.router.chat_state(chat_id) is ChatState.ENDED
            assert chat_id in self.held[name]
        else:
            self.feed(ev.AgentClosed(self.t, chat_id, name))
            assert chat_id in self.closed

    @rule(data=st.data(), action=st.sampled_from(["reply", "end", "close"]))
    def agent_acts_on_a_chat_it_does_not_hold(self, data: st.DataObject, action: str) -> None:
        name = data.draw(st.sampled_from(self.agents))
        others = [c for c in self.requested if c not in self.held[name]] + ["unknown"]
        chat_id = data.draw(st.sampled_from(others))
        kind = {"reply": ev.AgentReplied, "end": ev.AgentEnded, "close": ev.AgentClosed}[action]
        before = self.router.snapshot()
        with pytest.raises(ProtocolError) as err:
            self.feed(kind(self.t, chat_id, name))
        exists = chat_id in self.requested and chat_id not in self.closed
        assert err.value.code is (ErrorCode.NOT_ALLOWED if exists else ErrorCode.UNKNOWN_CHAT)
        assert self.router.snapshot() == before

    # --- requestors ------------------------------------------------------------------------

    @rule(data=st.data(), n=st.integers(1, 3))
    def request(self, data: st.DataObject, n: int) -> None:
        for _ in range(n):
            self.request_one(data.draw(st.sampled_from(sorted(self.max_wait))))

    def request_one(self, queue: str) -> None:
        chat_id = f"c{len(self.requested)}"
        self.requested.append(chat_id)
        self.queue_of[chat_id] = queue
        self.requested_at[chat_id] = self.t
        self.feed(ev.ChatRequested(self.t, chat_id, queue))
        assert self.router.chat_state(chat_id) in (ChatState.WAITING, ChatState.ASSIGNED)

    @rule(data=st.data())
    def requestor_ends(self, data: st.DataObject) -> None:
        chats = self.open_chats()
        if not chats:
            return
        chat_id = data.draw(st.sampled_from(chats))
        self.feed(ev.RequestorEnded(self.t, chat_id))
        assert chat_id in self.ended

    @rule(data=st.data())
    def requestor_drops(self, data: st.DataObject) -> None:
        chats = [c for c in self.open_chats() if c not in self.requestor_gone_since]
        if not chats:
            return
        chat_id = data.draw(st.sampled_from(chats))
        if chat_id not in self.ended:
            self.requestor_gone_since[chat_id] = self.t
        self.feed(ev.RequestorDisconnected(self.t, chat_id))

    @rule(data=st.data())
    def requestor_returns(self, data: st.DataObject) -> None:
        chats = [c for c in self.requestor_gone_since if c not in self.closed]
        if not chats:
            return
        chat_id = data.draw(st.sampled_from(sorted(chats)))
        del self.requestor_gone_since[chat_id]
        self.feed(ev.RequestorReconnected(self.t, chat_id))

    # --- time ------------------------------------------------------------------------------

    @rule(dt=steps)
    def tick_late(self, dt: float) -> None:
        """The shell's timer may fire late: everything due by then fires at once."""
        self.t += dt
        self.feed(ev.Tick(self.t))

    @precondition(lambda self: self.router.next_deadline() is not None)
    @rule()
    def tick_at_deadline(self) -> None:
        due = self.router.next_deadline()
        assert due is not None and due >= self.t
        self.t = due
        self.feed(ev.Tick(self.t))

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def decisions_describe_the_router(self) -> None:
        for name in self.agents:
            assert list(self.router.agent_chats(name)) == self.held[name], name
            assert self.told_agent[name] == self.router.agent_status(name), name
            status = self.router.agent_status(name)
            assert (status.connected, status.on_duty, status.presence) == (
                self.connected[name], self.on_duty[name], self.presence_of[name])
        for queue in self.max_wait:
            assert self.told_queue[queue] == self.router.queue_status(queue), queue
            for position, chat_id in enumerate(self.router.line(queue), start=1):
                assert self.told_position.get(chat_id) == position, (queue, chat_id)

    @invariant()
    def every_chat_is_in_exactly_one_place(self) -> None:
        waiting = [c for q in self.max_wait for c in self.router.line(q)]
        held = [c for name in self.agents for c in self.router.agent_chats(name)]
        assert len(waiting) == len(set(waiting))
        assert len(held) == len(set(held))
        assert not set(waiting) & set(held)
        assert set(waiting) | set(held) | self.closed == set(self.requested)
        assert not (set(waiting) | set(held)) & self.closed
        for c in waiting:
            assert self.router.chat_state(c) is ChatState.WAITING
            assert self.router.chat_agent(c) is None
            assert c in self.router.line(self.queue_of[c])
        for name in self.agents:
            for c in self.router.agent_chats(name):
                assert self.router.chat_agent(c) == name
                assert self.router.chat_state(c) in (*RUNNING, ChatState.ENDED)
                assert (self.router.chat_state(c) is ChatState.ENDED) == (c in self.ended)
        for c in self.closed:
            assert self.router.chat_state(c) is None

    @invariant()
    def nobody_waits_while_an_agent_of_the_queue_is_routable(self) -> None:
        for queue in self.max_wait:
            routable = [a for a in self.agents if queue in self.members[a] and self.router.agent_status(a).routable]
            if self.router.line(queue):
                assert routable == [], (queue, routable)
                assert self.router.queue_status(queue).routable == 0

    @invariant()
    def queue_counts_are_the_members_counted_now(self) -> None:
        for queue in self.max_wait:
            members = [a for a in self.agents if queue in self.members[a]]
            status = self.router.queue_status(queue)
            assert status.on_duty == sum(1 for a in members if self.connected[a] and self.on_duty[a]), queue
            assert status.routable == sum(1 for a in members if self.router.agent_status(a).routable), queue

    @invariant()
    def routable_means_all_four_conditions(self) -> None:
        for name in self.agents:
            expected = (
                self.connected[name]
                and self.on_duty[name]
                and self.presence_of[name] is Presence.AVAILABLE
                and len(self.held[name]) < self.capacity[name]
            )
            assert self.router.agent_status(name).routable == expected, name

    @invariant()
    def capacity_is_never_exceeded(self) -> None:
        for name in self.agents:
            assert len(self.router.agent_chats(name)) <= self.capacity[name]

    @invariant()
    def deadlines_are_kept_after_a_tick(self) -> None:
        if self.last_tick is None:
            return
        now = self.last_tick
        for queue, max_wait in self.max_wait.items():
            for chat_id in self.router.line(queue):
                assert now - self.entered_line[chat_id] < max_wait, (chat_id, queue)
        for name, since in self.lost_since.items():
            if now - since >= AGENT_GRACE:
                assert self.router.agent_chats(name) == (), name
        for chat_id, since in self.requestor_gone_since.items():
            if now - since >= REQUESTOR_GRACE and chat_id not in self.closed:
                assert self.router.chat_state(chat_id) is ChatState.ENDED, chat_id
        due = self.router.next_deadline()
        assert due is None or due > now

    @invariant()
    def next_deadline_is_not_in_the_past(self) -> None:
        due = self.router.next_deadline()
        if self.last_tick is not None:
            assert due is None or due > self.t


RouterMachine.TestCase.settings = settings(
    max_examples=400,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRouterMachine = RouterMachine.TestCase
