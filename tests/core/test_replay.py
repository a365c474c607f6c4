"""Feeding the same events to a fresh router rebuilds the same state and the same decisions.

The store keeps the events' effects, not the router; after a restart the shell rebuilds
the router from configuration plus ``ChatRestored`` events, so both must be deterministic.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from onduty.server.core import events as ev
from onduty.server.core.decisions import Decision
from onduty.server.core.model import RouterConfig
from onduty.server.core.router import Router
from onduty.shared.errors import ProtocolError
from onduty.shared.types import ChatState, Presence
from tests.core.scenario import Scenario

Outcome = list[Decision] | tuple[str, str]


def run(events: list[ev.Event], config: RouterConfig | None = None) -> tuple[Router, list[Outcome]]:
    """Apply every event; a refused one is recorded as its error code (and must change nothing)."""
    router = Router(config)
    outcomes: list[Outcome] = []
    for event in events:
        try:
            outcomes.append(router.apply(event))
        except ProtocolError as err:
            outcomes.append(("refused", err.code.value))
    return router, outcomes


def queries(router: Router, queues: list[str], agents: list[str]) -> dict[str, Any]:
    return {
        "snapshot": router.snapshot(),
        "next_deadline": router.next_deadline(),
        "lines": {q: router.line(q) for q in queues},
        "queues": {q: router.queue_status(q) for q in queues},
        "agents": {a: router.agent_status(a) for a in agents if a in router.snapshot()["seats"]},  # type: ignore[operator]
    }


def long_day() -> Scenario:
    """A busy day: three queues, four agents, every kind of event, late and exact ticks."""
    sc = Scenario(
        queues={"emea": 120.0, "apj": 90.0, "amer": 150.0},
        agents={"amy": ["emea", "apj"], "bo": ["emea"], "cy": ["apj", "amer"], "di": ["amer", "emea"]},
        capacity={"cy": 2, "di": 2},
        config=RouterConfig(agent_grace_s=60.0, requestor_grace_s=30.0),
    )
    n = 0
    for hour in range(6):
        base = hour * 400.0
        sc.t = base
        for name in ("amy", "bo", "cy", "di"):
            if (hour + len(name)) % 3:
                sc.connect(name)
        for i in range(8):
            sc.t = base + i * 7.5
            queue = ("emea", "apj", "amer")[(i + hour) % 3]
            sc.request(f"c{n}", queue)
            n += 1
        sc.t = base + 70.0
        for name in ("amy", "bo", "cy", "di"):
            for chat_id in sc.r.agent_chats(name):
                if sc.r.chat_state(chat_id) is ChatState.ASSIGNED:
                    sc.reply(chat_id, name)
        sc.t = base + 80.0
        sc.requestor_drop(f"c{n - 1}")
        sc.requestor_drop(f"c{n - 2}")
        sc.t = base + 95.0
        sc.requestor_back(f"c{n - 2}")
        sc.presence("amy", Presence.BUSY if hour % 2 else Presence.AVAILABLE)
        sc.duty("bo", hour % 2 == 0)
        sc.t = base + 100.0
        if "bo" in sc.r.snapshot()["seats"]:  # type: ignore[operator]
            sc.disconnect("bo", signed_out=hour == 3)
        sc.disconnect("cy")
        sc.tick(base + 130.0)
        sc.t = base + 140.0
        sc.reconnect("cy")
        for name in ("amy", "cy", "di"):
            held = sc.r.agent_chats(name)
            if held:
                sc.agent_end(held[0], name)
                sc.close(held[0], name)
        while (due := sc.r.next_deadline()) is not None and due < base + 390.0:
            sc.tick(due)
        for name in ("amy", "cy", "di"):
            for chat_id in sc.r.agent_chats(name):
                sc.t = max(sc.t, base + 390.0)
                sc.close(chat_id, name)
    sc.tick(sc.t + 1000.0)
    return sc


def test_long_day_replays_identically() -> None:
    sc = long_day()
    assert len(sc.events) > 200
    assert len(sc.log) > 300
    router, outcomes = run(sc.events, sc.router.config)
    assert [d for out in outcomes if isinstance(out, list) for d in out] == sc.log
    queues, agents = ["emea", "apj", "amer"], ["amy", "bo", "cy", "di"]
    assert queries(router, queues, agents) == queries(sc.router, queues, agents)


def test_replay_twice_from_the_same_list() -> None:
    events = long_day().events
    first, out1 = run(events)
    second, out2 = run(events)
    assert out1 == out2
    assert first.snapshot() == second.snapshot()


# --- random event lists, including refused ones ------------------------------------------------

QUEUES = ["q0", "q1", "nowhere"]
AGENTS = ["a0", "a1", "a2", "a3"]
CHATS = [f"c{i}" for i in range(8)]

agent = st.sampled_from(AGENTS)
chat = st.sampled_from(CHATS)
queue = st.sampled_from(QUEUES)
step = st.one_of(
    st.tuples(st.just("configure_agent"), agent, st.lists(queue, min_size=1, max_size=2), st.integers(0, 2)),
    st.tuples(st.just("connect"), agent),
    st.tuples(st.just("disconnect"), agent, st.booleans()),
    st.tuples(st.just("duty"), agent, st.booleans()),
    st.tuples(st.just("presence"), agent, st.sampled_from([Presence.AVAILABLE, Presence.BUSY, Presence.AWAY])),
    st.tuples(st.just("request"), chat, queue),
    st.tuples(st.just("reply"), chat, agent),
    st.tuples(st.just("agent_end"), chat, agent),
    st.tuples(st.just("close"), chat, agent),
    st.tuples(st.just("requestor_end"), chat),
    st.tuples(st.just("requestor_drop"), chat),
    st.tuples(st.just("requestor_back"), chat),
    st.tuples(st.just("tick")),
)
timed_steps = st.lists(st.tuples(st.sampled_from([0.0, 0.0, 1.0, 15.0, 30.0, 60.0, 120.0]), step), max_size=60)


def build(steps: list[tuple[float, tuple[Any, ...]]]) -> list[ev.Event]:
    t = 0.0
    events: list[ev.Event] = [ev.QueueConfigured(t, "q0", 120.0), ev.QueueConfigured(t, "q1", 45.0)]
    for dt, (kind, *args) in steps:
        t += dt
        match kind:
            case "configure_agent":
                events.append(ev.AgentConfigured(t, args[0], tuple(args[1]), args[2]))
            case "connect":
                events.append(ev.AgentConnected(t, args[0]))
            case "disconnect":
                events.append(ev.AgentDisconnected(t, args[0], args[1]))
            case "duty":
                events.append(ev.DutySet(t, args[0], args[1]))
            case "presence":
                events.append(ev.PresenceSet(t, args[0], args[1]))
            case "request":
                events.append(ev.ChatRequested(t, args[0], args[1]))
            case "reply":
                events.append(ev.AgentReplied(t, args[0], args[1]))
            case "agent_end":
                events.append(ev.AgentEnded(t, args[0], args[1]))
            case "close":
                events.append(ev.AgentClosed(t, args[0], args[1]))
            case "requestor_end":
                events.append(ev.RequestorEnded(t, args[0]))
            case "requestor_drop":
                events.append(ev.RequestorDisconnected(t, args[0]))
            case "requestor_back":
                events.append(ev.RequestorReconnected(t, args[0]))
            case "tick":
                events.append(ev.Tick(t))
    return events


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timed_steps)
def test_random_event_lists_replay_identically(steps: list[tuple[float, tuple[Any, ...]]]) -> None:
    events = build(steps)
    first, out1 = run(events)
    second, out2 = run(events)
    assert out1 == out2
    assert queries(first, QUEUES[:2], AGENTS) == queries(second, QUEUES[:2], AGENTS)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timed_steps)
@example([  # a refused duplicate request must not count as the open chat's request time
    (0.0, ("configure_agent", "a0", ["q0"], 0)), (0.0, ("request", "c1", "q0")), (0.0, ("tick",)),
    (0.0, ("request", "c0", "q0")), (0.0, ("configure_agent", "a0", ["q0"], 0)), (1.0, ("request", "c1", "q0")),
])
def test_restart_from_open_chats_rebuilds_lines_and_windows(steps: list[tuple[float, tuple[Any, ...]]]) -> None:
    """What a restart does: configuration again, then every open chat as ChatRestored."""
    events = build(steps)
    before, before_outcomes = run(events)
    requested_at: dict[str, float] = {}
    for event, outcome in zip(events, before_outcomes, strict=True):
        accepted = not isinstance(outcome, tuple)  # a refused request (id already open) is not the open chat
        if isinstance(event, ev.ChatRequested) and accepted:
            requested_at[event.chat_id] = event.at  # the last accepted request of that id is the open chat
    now = max((e.at for e in events), default=0.0) + 1.0
    restart: list[ev.Event] = [e for e in events if isinstance(e, ev.QueueConfigured)]
    seats: dict[str, Any] = before.snapshot()["seats"]  # type: ignore[assignment]
    for name, (queues, capacity, *_rest) in seats.items():
        restart.append(ev.AgentConfigured(now, name, queues, capacity))
    chats: dict[str, Any] = before.snapshot()["chats"]  # type: ignore[assignment]
    for chat_id in sorted(chats, key=lambda c: requested_at[c]):  # the store lists them by age
        queue_name, state, holder, *_rest = chats[chat_id]
        restart.append(ev.ChatRestored(now, chat_id, queue_name, state, holder, requested_at[chat_id]))
    after, outcomes = run(restart)
    assert not [o for o in outcomes if isinstance(o, tuple)]
    for q in ("q0", "q1"):
        assert after.line(q) == before.line(q), q
    for name in seats:
        assert sorted(after.agent_chats(name)) == sorted(before.agent_chats(name)), name
        assert after.agent_status(name).connected is False
    for chat_id in chats:
        assert after.chat_state(chat_id) == before.chat_state(chat_id)
        assert after.chat_agent(chat_id) == before.chat_agent(chat_id)
