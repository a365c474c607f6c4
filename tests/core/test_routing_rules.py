"""One test (or a few) per routing rule of the router's header comment (seed 000)."""

from __future__ import annotations

import pytest

from onduty.server.core import events as ev
from onduty.server.core.decisions import Activated
from onduty.server.core.model import RouterConfig
from onduty.server.core.router import Router
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.types import ChatState, EndReason, Presence
from tests.core.scenario import (
    AgentStatusChanged,
    Assign,
    Close,
    End,
    Position,
    QueueStatusChanged,
    Requeue,
    Scenario,
    assigns,
    chat_decisions,
    of,
    positions,
)

# --- who is routable ---------------------------------------------------------------------


def test_connected_on_duty_available_agent_gets_the_request_at_once() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    sc.t = 3.0
    out = sc.request("c1")
    assert chat_decisions(out) == [Assign("c1", "alice", 0.0)]
    assert sc.r.chat_state("c1") is ChatState.ASSIGNED
    assert sc.r.agent_chats("alice") == ("c1",)
    assert sc.r.line("q") == []


@pytest.mark.parametrize("missing", ["connected", "on_duty", "busy", "away", "capacity"])
def test_each_condition_alone_blocks_routing(missing: str) -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect(
        "alice",
        on_duty=missing != "on_duty",
    )
    if missing == "connected":
        sc.disconnect("alice")
    elif missing in ("busy", "away"):
        sc.presence("alice", Presence(missing))
    elif missing == "capacity":
        sc.request("first")
        assert sc.holder("first") == "alice"
    assert sc.r.agent_status("alice").routable is False
    assert sc.r.queue_status("q").routable == 0

    sc.t = 5.0
    out = sc.request("c1")
    assert of(out, Assign) == []
    assert of(out, Position) == [Position("c1", 1, 0.0, 120.0)]
    assert sc.r.line("q") == ["c1"]
    assert sc.r.chat_state("c1") is ChatState.WAITING

    # Restoring the missing condition routes the waiting request to alice at once.
    sc.t = 20.0
    if missing == "connected":
        out = sc.reconnect("alice")
    elif missing == "on_duty":
        out = sc.duty("alice", True)
    elif missing in ("busy", "away"):
        out = sc.presence("alice", Presence.AVAILABLE)
    else:
        out = sc.close("first", "alice")
    assert of(out, Assign) == [Assign("c1", "alice", 15.0)]
    assert sc.r.line("q") == []


def test_going_off_duty_or_busy_stops_new_routing_but_keeps_held_chats() -> None:
    sc = Scenario(agents={"alice": ["q"]}, capacity={"alice": 2})
    sc.connect("alice")
    sc.request("c1")
    sc.presence("alice", Presence.BUSY)
    assert sc.r.agent_chats("alice") == ("c1",)
    assert of(sc.request("c2"), Assign) == []
    sc.presence("alice", Presence.AVAILABLE)
    assert sc.r.agent_chats("alice") == ("c1", "c2")
    sc.duty("alice", False)
    assert sc.r.agent_chats("alice") == ("c1", "c2")


def test_agent_outside_the_queue_is_never_chosen() -> None:
    sc = Scenario(queues={"q": 120.0, "other": 120.0}, agents={"alice": ["other"]})
    sc.connect("alice")
    assert of(sc.request("c1", "q"), Assign) == []
    assert sc.r.line("q") == ["c1"]
    assert sc.r.queue_status("q").routable == 0


# --- the open chat window ----------------------------------------------------------------


@pytest.mark.parametrize("how", ["requestor_ended", "agent_ended"])
def test_open_window_blocks_the_next_chat_until_closed(how: str) -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    sc.request("c1")
    sc.reply("c1", "alice")
    sc.t = 10.0
    assert of(sc.request("c2"), Assign) == []

    sc.t = 20.0
    if how == "requestor_ended":
        out = sc.requestor_end("c1")
        assert chat_decisions(out) == [End("c1", EndReason.REQUESTOR_LEFT, "alice")]
    else:
        out = sc.agent_end("c1", "alice")
        assert chat_decisions(out) == [End("c1", EndReason.AGENT_ENDED, "alice")]
    # The chat is over but the window is still open: alice keeps it and its capacity.
    assert sc.r.chat_state("c1") is ChatState.ENDED
    assert sc.holder("c1") == "alice"
    assert sc.r.agent_chats("alice") == ("c1",)
    assert sc.r.agent_status("alice").routable is False
    assert sc.r.line("q") == ["c2"]

    sc.t = 30.0
    assert of(sc.request("c3"), Assign) == []
    assert sc.tick(50.0) == []
    assert sc.r.agent_chats("alice") == ("c1",)

    sc.t = 60.0
    out = sc.close("c1", "alice")
    assert chat_decisions(out) == [
        Close("c1", "alice"),
        Assign("c2", "alice", 50.0),
        Position("c3", 1, 30.0, 120.0),
    ]
    assert sc.r.chat_state("c1") is None
    assert sc.r.agent_chats("alice") == ("c2",)


def test_closing_a_running_chat_ends_it_then_closes_it() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    sc.request("c1")
    out = sc.close("c1", "alice")
    assert chat_decisions(out) == [End("c1", EndReason.AGENT_CLOSED, "alice"), Close("c1", "alice")]
    assert sc.r.agent_status("alice").routable is True


def test_chat_id_may_be_reused_only_after_it_is_closed() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    sc.request("c1")
    sc.requestor_end("c1")
    with pytest.raises(ProtocolError) as err:
        sc.request("c1")
    assert err.value.code is ErrorCode.NOT_ALLOWED
    sc.close("c1", "alice")
    assert of(sc.request("c1"), Assign) == [Assign("c1", "alice", 0.0)]


# --- which agent ---------------------------------------------------------------------------


def test_longest_idle_agent_wins() -> None:
    sc = Scenario(agents={"alice": ["q"], "bob": ["q"], "carol": ["q"]})
    sc.t = 1.0
    sc.connect("bob")
    sc.t = 2.0
    sc.connect("carol")
    sc.t = 3.0
    sc.connect("alice")
    sc.t = 10.0
    assert assigns(sc.request("c1")) == {"c1": "bob"}
    assert assigns(sc.request("c2")) == {"c2": "carol"}
    # bob is free again at 20: now alice (free since 3) has waited longest.
    sc.t = 20.0
    sc.close("c1", "bob")
    sc.t = 21.0
    assert assigns(sc.request("c3")) == {"c3": "alice"}
    assert assigns(sc.request("c4")) == {"c4": "bob"}


def test_becoming_available_again_counts_as_newly_free() -> None:
    sc = Scenario(agents={"alice": ["q"], "bob": ["q"]})
    sc.connect("alice")
    sc.t = 1.0
    sc.connect("bob")
    sc.t = 5.0
    sc.presence("alice", Presence.AWAY)
    sc.presence("alice", Presence.AVAILABLE)
    assert assigns(sc.request("c1")) == {"c1": "bob"}


def test_ties_on_free_time_are_broken_by_name() -> None:
    sc = Scenario(agents={"zed": ["q"], "amy": ["q"]})
    sc.connect("zed")
    sc.connect("amy")
    assert assigns(sc.request("c1")) == {"c1": "amy"}


def test_fewest_chats_first_with_capacity_two() -> None:
    sc = Scenario(agents={"alice": ["q"], "bob": ["q"]}, capacity={"alice": 2, "bob": 2})
    sc.connect("alice")
    sc.t = 1.0
    sc.connect("bob")
    got = {}
    for i in range(1, 5):
        sc.t = 10.0 + i
        got |= assigns(sc.request(f"c{i}"))
    # alice was free first, then the one holding fewer chats.
    assert got == {"c1": "alice", "c2": "bob", "c3": "alice", "c4": "bob"}
    assert sc.r.agent_status("alice").routable is False
    assert of(sc.request("c5"), Assign) == []
    assert sc.r.line("q") == ["c5"]
    # bob drops to one chat: the waiting chat goes to him, not a full agent.
    sc.t = 30.0
    assert assigns(sc.close("c2", "bob")) == {"c5": "bob"}


def test_fewest_chats_beats_longest_idle() -> None:
    sc = Scenario(agents={"alice": ["q"], "bob": ["q"]}, capacity={"alice": 2, "bob": 2})
    sc.connect("alice")
    sc.request("c1")
    sc.t = 50.0
    sc.connect("bob")
    assert assigns(sc.request("c2")) == {"c2": "bob"}


# --- the waiting line ----------------------------------------------------------------------


def test_fifo_line_with_positions() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    for i, at in enumerate([0.0, 1.0, 2.0], start=1):
        sc.t = at
        out = sc.request(f"c{i}")
        # Joining at the end tells only the newcomer.
        assert of(out, Position) == [Position(f"c{i}", i, 0.0, 120.0)]
    assert sc.r.line("q") == ["c1", "c2", "c3"]
    assert sc.r.queue_status("q").waiting == 3

    sc.t = 10.0
    out = sc.requestor_end("c1")
    assert chat_decisions(out) == [
        End("c1", EndReason.REQUESTOR_LEFT, None),
        Close("c1", None),
        Position("c2", 1, 9.0, 120.0),
        Position("c3", 2, 8.0, 120.0),
    ]
    sc.t = 12.0
    out = sc.request("c4")
    assert of(out, Position) == [Position("c4", 3, 0.0, 120.0)]

    # Leaving from the middle re-tells only those behind.
    sc.t = 13.0
    out = sc.requestor_end("c3")
    assert of(out, Position) == [Position("c4", 2, 1.0, 120.0)]

    sc.t = 20.0
    out = sc.connect("alice")
    assert of(out, Assign) == [Assign("c2", "alice", 19.0)]
    assert of(out, Position) == [Position("c4", 1, 8.0, 120.0)]
    assert sc.r.line("q") == ["c4"]


def test_waiting_request_is_dropped_after_120_seconds() -> None:
    sc = Scenario()
    sc.t = 5.0
    sc.request("c1")
    sc.t = 6.0
    sc.request("c2")
    assert sc.r.next_deadline() == 125.0
    assert sc.tick(124.9) == []
    assert sc.r.line("q") == ["c1", "c2"]
    out = sc.tick(125.0)
    assert chat_decisions(out) == [
        End("c1", EndReason.TIMEOUT, None),
        Close("c1", None),
        Position("c2", 1, 119.0, 120.0),
    ]
    assert of(out, QueueStatusChanged) == [QueueStatusChanged("q", waiting=1, on_duty=0, routable=0)]
    assert sc.r.chat_state("c1") is None
    assert sc.r.line("q") == ["c2"]
    out = sc.tick(126.0)
    assert chat_decisions(out) == [End("c2", EndReason.TIMEOUT, None), Close("c2", None)]
    assert sc.r.next_deadline() is None


def test_a_late_tick_drops_everything_due() -> None:
    sc = Scenario()
    sc.request("c1")
    sc.t = 30.0
    sc.request("c2")
    out = sc.tick(1000.0)
    assert of(out, End) == [End("c1", EndReason.TIMEOUT, None), End("c2", EndReason.TIMEOUT, None)]
    assert sc.r.line("q") == []


def test_assigned_request_is_not_dropped() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.request("c1")
    sc.t = 100.0
    sc.connect("alice")
    assert chat_decisions(sc.tick(500.0)) == []
    assert sc.holder("c1") == "alice"


def test_max_wait_per_queue() -> None:
    sc = Scenario(queues={"fast": 30.0, "slow": 300.0})
    out = sc.request("f1", "fast") + sc.request("s1", "slow")
    assert of(out, Position) == [Position("f1", 1, 0.0, 30.0), Position("s1", 1, 0.0, 300.0)]
    assert sc.r.next_deadline() == 30.0
    assert sc.tick(29.99) == []
    assert of(sc.tick(30.0), End) == [End("f1", EndReason.TIMEOUT, None)]
    assert sc.r.line("slow") == ["s1"]
    assert sc.r.next_deadline() == 300.0
    assert of(sc.tick(299.0), End) == []
    assert of(sc.tick(300.0), End) == [End("s1", EndReason.TIMEOUT, None)]


@pytest.mark.parametrize("bad", [0.0, -5.0])
def test_queue_needs_a_positive_max_wait(bad: float) -> None:
    router = Router()
    with pytest.raises(ProtocolError) as err:
        router.apply(ev.QueueConfigured(0.0, "q", bad))
    assert err.value.code is ErrorCode.INVALID_VALUE
    assert not router.has_queue("q")


def test_agent_in_two_queues_takes_the_oldest_head() -> None:
    sc = Scenario(queues={"x": 120.0, "y": 120.0}, agents={"alice": ["x", "y"]})
    sc.request("y1", "y")
    sc.t = 1.0
    sc.request("x1", "x")
    sc.t = 2.0
    sc.request("y2", "y")
    sc.t = 3.0
    sc.request("x2", "x")
    sc.t = 10.0
    served = []
    out = sc.connect("alice")
    while assigned := of(out, Assign):
        assert len(assigned) == 1
        served.append(assigned[0].chat_id)
        sc.t += 1.0
        out = sc.close(assigned[0].chat_id, "alice")
    assert served == ["y1", "x1", "y2", "x2"]


def test_agent_with_capacity_two_becoming_routable_takes_two_heads() -> None:
    sc = Scenario(queues={"x": 120.0, "y": 120.0}, agents={"alice": ["x", "y"]}, capacity={"alice": 2})
    sc.request("x1", "x")
    sc.t = 1.0
    sc.request("y1", "y")
    sc.t = 2.0
    sc.request("x2", "x")
    out = sc.connect("alice")
    assert [a.chat_id for a in of(out, Assign)] == ["x1", "y1"]
    assert sc.r.line("x") == ["x2"]
    assert of(out, Position) == [Position("x2", 1, 0.0, 120.0)]


# --- agent grace ---------------------------------------------------------------------------


def _alice_holding(sc: Scenario, *chat_ids: str) -> None:
    sc.connect("alice")
    for chat_id in chat_ids:
        sc.request(chat_id)
        assert sc.holder(chat_id) == "alice"


def test_agent_reconnecting_within_grace_keeps_its_chats() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    _alice_holding(sc, "c1")
    sc.reply("c1", "alice")
    sc.t = 10.0
    out = sc.disconnect("alice")
    assert chat_decisions(out) == []
    assert sc.r.agent_status("alice") == AgentStatusChanged(
        "alice", False, True, Presence.AVAILABLE, False, ("c1",), 1
    )
    assert sc.r.next_deadline() == 70.0
    assert sc.tick(69.9) == []
    sc.t = 69.95
    sc.reconnect("alice")
    assert sc.holder("c1") == "alice"
    assert sc.r.chat_state("c1") is ChatState.ACTIVE
    assert sc.r.next_deadline() is None
    assert chat_decisions(sc.tick(200.0)) == []
    assert sc.r.agent_chats("alice") == ("c1",)


def test_agent_grace_expiry_requeues_running_and_closes_ended_chats() -> None:
    sc = Scenario(agents={"alice": ["q"]}, capacity={"alice": 2})
    _alice_holding(sc, "run", "done")
    sc.reply("run", "alice")
    sc.requestor_end("done")
    sc.t = 1.0
    sc.presence("alice", Presence.BUSY)
    sc.t = 2.0
    sc.request("w1")
    sc.t = 3.0
    sc.request("w2")
    sc.t = 10.0
    sc.disconnect("alice")
    out = sc.tick(70.0)
    assert chat_decisions(out) == [
        Requeue("run", "alice"),
        Close("done", "alice"),
        Position("run", 1, 70.0, 120.0),
        Position("w1", 2, 68.0, 120.0),
        Position("w2", 3, 67.0, 120.0),
    ]
    assert sc.r.line("q") == ["run", "w1", "w2"]
    assert sc.r.chat_state("run") is ChatState.WAITING
    assert sc.holder("run") is None
    assert sc.r.agent_chats("alice") == ()
    # Coming back late: alice is a new agent again and serves the line in order.
    sc.t = 80.0
    out = sc.connect("alice")
    assert [a.chat_id for a in of(out, Assign)] == ["run", "w1"]


def test_requeued_chat_goes_to_another_routable_agent_at_once() -> None:
    sc = Scenario(agents={"alice": ["q"], "bob": ["q"]})
    _alice_holding(sc, "c1")
    sc.t = 5.0
    sc.disconnect("alice")
    sc.t = 30.0
    sc.connect("bob")
    out = sc.tick(65.0)
    assert chat_decisions(out) == [Requeue("c1", "alice"), Assign("c1", "bob", 65.0)]
    assert sc.r.line("q") == []


def test_signing_out_releases_at_once() -> None:
    sc = Scenario(agents={"alice": ["q"]}, capacity={"alice": 2})
    _alice_holding(sc, "run", "done")
    sc.agent_end("done", "alice")
    sc.t = 5.0
    out = sc.disconnect("alice", signed_out=True)
    assert chat_decisions(out) == [Requeue("run", "alice"), Close("done", "alice"), Position("run", 1, 5.0, 120.0)]
    assert sc.r.agent_chats("alice") == ()
    assert sc.r.line("q") == ["run"]
    assert sc.r.next_deadline() == 125.0  # only the requeued chat's wait


def test_a_dropped_agent_keeps_duty_and_presence_for_its_grace_then_is_off_duty() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    sc.presence("alice", Presence.BUSY)
    sc.disconnect("alice")
    assert sc.r.next_deadline() == 60.0
    sc.t = 59.0
    sc.reconnect("alice")
    status = sc.r.agent_status("alice")
    assert (status.on_duty, status.presence) == (True, Presence.BUSY)
    sc.disconnect("alice")
    sc.tick(59.0 + 60.0)
    assert sc.r.agent_status("alice").on_duty is False
    assert sc.r.next_deadline() is None


def test_signing_out_is_off_duty_at_once() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    sc.disconnect("alice", signed_out=True)
    assert sc.r.agent_status("alice").on_duty is False
    assert sc.r.next_deadline() is None


def test_after_a_restart_an_agent_who_was_on_duty_keeps_it_if_back_within_grace() -> None:
    for back_after, on_duty in ((30.0, True), (61.0, False)):
        sc = Scenario(agents={})
        sc.apply(ev.AgentRestored(0.0, "alice", ("q",), 1, True, Presence.AVAILABLE))
        assert sc.r.agent_status("alice").connected is False
        sc.tick(back_after)
        sc.apply(ev.AgentConnected(back_after, "alice"))
        status = sc.r.agent_status("alice")
        assert (status.on_duty, status.routable) == (on_duty, on_duty)


def test_the_waiting_limit_counts_from_the_request_across_a_restart() -> None:
    sc = Scenario(queues={"q": 8.0}, agents={})
    sc.t = 100.0
    for chat_id, asked in (("a", 93.0), ("b", 95.0), ("c", 97.0), ("d", 99.0), ("e", 100.0)):
        sc.apply(ev.ChatRestored(100.0, chat_id, "q", ChatState.WAITING, None, asked))
        sc.requestor_back(chat_id)
    drops = {}
    for t in (101.0, 103.0, 105.0, 107.0, 108.0):
        for end in of(sc.tick(t), End):
            drops[end.chat_id] = (t, end.reason)
    assert drops == {"a": (101.0, EndReason.TIMEOUT), "b": (103.0, EndReason.TIMEOUT),
                     "c": (105.0, EndReason.TIMEOUT), "d": (107.0, EndReason.TIMEOUT),
                     "e": (108.0, EndReason.TIMEOUT)}


def test_a_requeued_chat_has_what_is_left_of_its_limit() -> None:
    sc = Scenario(agents={"alice": ["q"], "bob": ["q"]})
    sc.request("c1")  # nobody on duty: waits from 0
    sc.t = 50.0
    sc.connect("alice")  # takes c1 after 50 s in line
    sc.t = 200.0
    sc.disconnect("alice", signed_out=True)  # back in line with 70 s left
    assert sc.r.line("q") == ["c1"]
    assert sc.r.next_deadline() == 270.0


def test_the_waiting_position_carries_the_queues_pace() -> None:
    sc = Scenario(agents={"alice": ["q"]}, capacity={"alice": 1})
    sc.connect("alice")
    for i, t in enumerate((0.0, 10.0, 20.0)):
        sc.t = t
        sc.request(f"c{i}")
        if i < 2:
            sc.close(f"c{i}", "alice")
    assert sc.r.waiting("c2") is None  # assigned at once
    sc.request("c3")
    position = sc.r.waiting("c3")
    assert position is not None and (position.position, position.est_wait_s) == (1, 10.0)


def test_grace_restarts_on_every_new_disconnect() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    _alice_holding(sc, "c1")
    sc.disconnect("alice")
    sc.t = 50.0
    sc.reconnect("alice")
    sc.t = 55.0
    sc.disconnect("alice")
    # The first disconnect's deadline (60) is stale.
    assert sc.r.next_deadline() == 115.0
    assert chat_decisions(sc.tick(60.0)) == []
    assert sc.holder("c1") == "alice"
    assert of(sc.tick(115.0), Requeue) == [Requeue("c1", "alice")]


# --- requestor grace -----------------------------------------------------------------------


def test_waiting_requestor_who_does_not_come_back_leaves_the_line() -> None:
    sc = Scenario()
    sc.request("c1")
    sc.request("c2")
    sc.t = 10.0
    sc.requestor_drop("c1")
    assert sc.r.next_deadline() == 70.0
    assert sc.tick(69.9) == []
    out = sc.tick(70.0)
    assert chat_decisions(out) == [
        End("c1", EndReason.REQUESTOR_LEFT, None),
        Close("c1", None),
        Position("c2", 1, 70.0, 120.0),
    ]
    assert sc.r.line("q") == ["c2"]


def test_running_chat_ends_when_requestor_does_not_come_back() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    _alice_holding(sc, "c1")
    sc.reply("c1", "alice")
    sc.request("c2")
    sc.t = 10.0
    sc.requestor_drop("c1")
    out = sc.tick(70.0)
    assert chat_decisions(out) == [End("c1", EndReason.REQUESTOR_LEFT, "alice")]
    assert sc.holder("c1") == "alice"
    assert sc.r.chat_state("c1") is ChatState.ENDED
    assert sc.r.line("q") == ["c2"]  # the window is still open
    assert of(sc.close("c1", "alice"), Assign) == [Assign("c2", "alice", 70.0)]


def test_requestor_reconnecting_within_grace_keeps_the_chat() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    _alice_holding(sc, "c1")
    sc.request("w")
    sc.t = 10.0
    sc.requestor_drop("c1")
    sc.requestor_drop("w")
    sc.t = 69.0
    sc.requestor_back("c1")
    sc.requestor_back("w")
    assert sc.r.next_deadline() == 120.0  # only w's wait is left
    assert chat_decisions(sc.tick(100.0)) == []
    assert sc.r.chat_state("c1") is ChatState.ASSIGNED
    assert sc.r.line("q") == ["w"]


def test_requestor_dropping_again_gets_a_fresh_grace() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    _alice_holding(sc, "c1")
    sc.requestor_drop("c1")
    sc.t = 30.0
    sc.requestor_back("c1")
    sc.t = 40.0
    sc.requestor_drop("c1")
    assert chat_decisions(sc.tick(60.0)) == []
    assert of(sc.tick(100.0), End) == [End("c1", EndReason.REQUESTOR_LEFT, "alice")]


def test_requestor_disconnect_of_a_gone_chat_is_ignored() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    _alice_holding(sc, "c1")
    sc.requestor_end("c1")
    before = sc.r.snapshot()
    assert sc.requestor_drop("c1") == []
    assert sc.requestor_drop("never") == []
    assert sc.r.snapshot() == before
    assert sc.r.next_deadline() is None


# --- chat lifecycle and refusals -----------------------------------------------------------


def test_agent_reply_moves_assigned_to_active_and_is_refused_after_end() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    _alice_holding(sc, "c1")
    assert sc.r.chat_state("c1") is ChatState.ASSIGNED
    assert sc.reply("c1", "alice") == [Activated("c1")]
    assert sc.r.chat_state("c1") is ChatState.ACTIVE
    assert sc.reply("c1", "alice") == []
    sc.requestor_end("c1")
    before = sc.r.snapshot()
    with pytest.raises(ProtocolError) as err:
        sc.reply("c1", "alice")
    assert err.value.code is ErrorCode.CHAT_ENDED
    assert sc.r.snapshot() == before


def test_agent_end_of_an_ended_chat_changes_nothing() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    _alice_holding(sc, "c1")
    sc.requestor_end("c1")
    assert sc.agent_end("c1", "alice") == []
    assert sc.requestor_end("c1") == []
    assert sc.r.chat_state("c1") is ChatState.ENDED


def _refusal_scenario() -> Scenario:
    sc = Scenario(agents={"alice": ["q"], "bob": ["q"]})
    sc.connect("alice")
    sc.request("mine")
    sc.request("waiting")
    sc.connect("bob", on_duty=False)
    assert sc.r.line("q") == ["waiting"]
    return sc


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (ev.AgentReplied(0.0, "mine", "bob"), ErrorCode.NOT_ALLOWED),
        (ev.AgentEnded(0.0, "mine", "bob"), ErrorCode.NOT_ALLOWED),
        (ev.AgentClosed(0.0, "mine", "bob"), ErrorCode.NOT_ALLOWED),
        (ev.AgentReplied(0.0, "waiting", "alice"), ErrorCode.NOT_ALLOWED),
        (ev.AgentEnded(0.0, "waiting", "alice"), ErrorCode.NOT_ALLOWED),
        (ev.AgentClosed(0.0, "waiting", "alice"), ErrorCode.NOT_ALLOWED),
        (ev.AgentReplied(0.0, "nope", "alice"), ErrorCode.UNKNOWN_CHAT),
        (ev.AgentEnded(0.0, "nope", "alice"), ErrorCode.UNKNOWN_CHAT),
        (ev.AgentClosed(0.0, "nope", "alice"), ErrorCode.UNKNOWN_CHAT),
        (ev.RequestorEnded(0.0, "nope"), ErrorCode.UNKNOWN_CHAT),
        (ev.RequestorReconnected(0.0, "nope"), ErrorCode.UNKNOWN_CHAT),
        (ev.ChatRequested(0.0, "new", "nope"), ErrorCode.UNKNOWN_QUEUE),
        (ev.ChatRequested(0.0, "mine", "q"), ErrorCode.NOT_ALLOWED),
        (ev.ChatRequested(0.0, "waiting", "q"), ErrorCode.NOT_ALLOWED),
        (ev.AgentConfigured(0.0, "carol", ("q", "nope")), ErrorCode.UNKNOWN_QUEUE),
        (ev.AgentConfigured(0.0, "alice", ("q",), 0), ErrorCode.INVALID_VALUE),
        (ev.ChatRestored(0.0, "old", "nope", ChatState.WAITING, None, 0.0), ErrorCode.UNKNOWN_QUEUE),
    ],
)
def test_refused_actions_leave_state_unchanged(event: ev.Event, code: ErrorCode) -> None:
    sc = _refusal_scenario()
    before = sc.r.snapshot()
    deadline = sc.r.next_deadline()
    with pytest.raises(ProtocolError) as err:
        sc.apply(event)
    assert err.value.code is code
    assert sc.r.snapshot() == before
    assert sc.r.next_deadline() == deadline
    # The router still works normally afterwards, and reports nothing stale.
    out = sc.close("mine", "alice")
    assert chat_decisions(out) == [End("mine", EndReason.AGENT_CLOSED, "alice"), Close("mine", "alice"),
                                   Assign("waiting", "alice", 0.0)]


def test_unknown_queue_is_not_created_by_a_request() -> None:
    sc = Scenario()
    with pytest.raises(ProtocolError) as err:
        sc.request("c1", "elsewhere")
    assert err.value.code is ErrorCode.UNKNOWN_QUEUE
    assert not sc.r.has_queue("elsewhere")
    assert sc.r.line("elsewhere") == []


# --- status decisions ----------------------------------------------------------------------


def test_agent_and_queue_status_are_emitted_when_they_change() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    out = sc.apply(ev.AgentConnected(0.0, "alice"))
    assert out == [AgentStatusChanged("alice", True, False, Presence.AVAILABLE, False, (), 1)]
    out = sc.duty("alice", True)
    assert out == [
        AgentStatusChanged("alice", True, True, Presence.AVAILABLE, True, (), 1),
        QueueStatusChanged("q", waiting=0, on_duty=1, routable=1),
    ]
    out = sc.request("c1")
    assert out == [
        Assign("c1", "alice", 0.0),
        AgentStatusChanged("alice", True, True, Presence.AVAILABLE, False, ("c1",), 1),
        QueueStatusChanged("q", waiting=0, on_duty=1, routable=0),
    ]
    out = sc.request("c2")
    assert out == [Position("c2", 1, 0.0, 120.0), QueueStatusChanged("q", waiting=1, on_duty=1, routable=0)]
    out = sc.presence("alice", Presence.BUSY)
    assert out == [AgentStatusChanged("alice", True, True, Presence.BUSY, False, ("c1",), 1)]


def test_status_is_not_repeated_when_nothing_changed() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    assert sc.duty("alice", True) == []
    assert sc.presence("alice", Presence.AVAILABLE) == []
    assert sc.reconnect("alice") == []
    sc.request("c1")
    sc.reply("c1", "alice")
    assert sc.reply("c1", "alice") == []
    assert sc.tick(10.0) == []
    # Re-configuring with the same values tells nobody anything.
    assert sc.apply(ev.AgentConfigured(10.0, "alice", ("q",), 1)) == []
    assert sc.apply(ev.QueueConfigured(10.0, "q", 120.0)) == []


def test_configuring_capacity_up_routes_a_waiting_chat() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    _alice_holding(sc, "c1")
    sc.request("c2")
    out = sc.apply(ev.AgentConfigured(1.0, "alice", ("q",), 2))
    assert of(out, Assign) == [Assign("c2", "alice", 1.0)]
    assert of(out, AgentStatusChanged)[-1].capacity == 2


def test_moving_an_agent_between_queues_updates_both_queues() -> None:
    sc = Scenario(queues={"x": 120.0, "y": 120.0}, agents={"alice": ["x"]})
    sc.connect("alice")
    sc.request("y1", "y")
    out = sc.apply(ev.AgentConfigured(1.0, "alice", ("y",)))
    assert of(out, Assign) == [Assign("y1", "alice", 1.0)]
    qs = {d.queue: d for d in of(out, QueueStatusChanged)}
    assert qs["x"] == QueueStatusChanged("x", 0, 0, 0)
    assert qs["y"] == QueueStatusChanged("y", 0, 1, 0)


# --- restart -------------------------------------------------------------------------------


def _restored(agent_connects: bool) -> Scenario:
    sc = Scenario(agents={"alice": ["q"], "bob": ["q"]}, capacity={"alice": 2})
    sc.t = 1000.0
    sc.apply(ev.ChatRestored(1000.0, "w2", "q", ChatState.WAITING, None, 992.0))
    sc.apply(ev.ChatRestored(1000.0, "held", "q", ChatState.ACTIVE, "alice", 950.0))
    sc.apply(ev.ChatRestored(1000.0, "w1", "q", ChatState.WAITING, None, 990.0))
    sc.apply(ev.ChatRestored(1000.0, "done", "q", ChatState.ENDED, "alice", 900.0))
    sc.apply(ev.ChatRestored(1000.0, "w3", "q", ChatState.WAITING, None, 995.0))
    if agent_connects:
        sc.t = 1030.0
        sc.connect("alice")
    return sc


def test_restored_waiting_chats_rejoin_their_line_in_original_order() -> None:
    sc = _restored(agent_connects=False)
    assert sc.r.line("q") == ["w1", "w2", "w3"]
    assert positions(sc.log) == {"w1": 1, "w2": 2, "w3": 3}
    assert sc.r.agent_chats("alice") == ("held", "done")
    assert sc.r.chat_state("held") is ChatState.ACTIVE
    assert sc.r.chat_state("done") is ChatState.ENDED
    assert sc.r.agent_status("alice").connected is False


def test_restored_held_chats_stay_with_an_agent_who_comes_back() -> None:
    sc = _restored(agent_connects=True)
    for chat_id in ("held", "w1", "w2", "w3"):
        sc.requestor_back(chat_id)
    assert chat_decisions(sc.tick(1100.0)) == []
    assert sc.r.agent_chats("alice") == ("held", "done")
    sc.reply("held", "alice")
    # Closing the ended window frees a seat for the oldest waiter.
    assert assigns(sc.close("done", "alice")) == {"w1": "alice"}


def test_restored_held_chats_are_released_when_the_agent_does_not_come_back() -> None:
    sc = _restored(agent_connects=False)
    for chat_id in ("held", "w1", "w2", "w3"):
        sc.requestor_back(chat_id)
    assert sc.r.next_deadline() == 1060.0
    assert sc.tick(1059.0) == []
    out = sc.tick(1060.0)
    assert chat_decisions(out) == [
        Requeue("held", "alice"),
        Close("done", "alice"),
        Position("held", 1, 110.0, 120.0),
        Position("w1", 2, 70.0, 120.0),
        Position("w2", 3, 68.0, 120.0),
        Position("w3", 4, 65.0, 120.0),
    ]
    assert sc.r.line("q") == ["held", "w1", "w2", "w3"]


def test_restored_requestors_must_come_back_within_their_grace() -> None:
    sc = _restored(agent_connects=True)
    sc.requestor_back("w2")
    out = sc.tick(1060.0)
    ends = {d.chat_id: d for d in of(out, End)}
    assert ends == {
        "held": End("held", EndReason.REQUESTOR_LEFT, "alice"),
        "w1": End("w1", EndReason.REQUESTOR_LEFT, None),
        "w3": End("w3", EndReason.REQUESTOR_LEFT, None),
    }
    assert sc.r.line("q") == ["w2"]
    assert sc.r.agent_chats("alice") == ("held", "done")


def test_restored_waiting_chat_goes_to_a_routable_agent() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    sc.t = 100.0
    out = sc.apply(ev.ChatRestored(100.0, "w", "q", ChatState.WAITING, None, 40.0))
    assert of(out, Assign) == [Assign("w", "alice", 60.0)]


@pytest.mark.parametrize("state", [ChatState.ENDED, ChatState.CLOSED])
def test_restored_chat_that_ended_while_waiting_is_closed_not_routed(state: ChatState) -> None:
    # A restart between persisting End and Close leaves an ended chat with no agent in the store.
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    out = sc.apply(ev.ChatRestored(0.0, "gone", "q", state, None, 0.0))
    assert chat_decisions(out) == [Close("gone", None)]
    assert sc.r.chat_state("gone") is None
    assert sc.r.agent_chats("alice") == ()
    assert sc.r.line("q") == []
    assert sc.r.next_deadline() is None


def test_restoring_a_chat_to_a_connected_agent_updates_queue_status() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    out = sc.apply(ev.ChatRestored(0.0, "held", "q", ChatState.ACTIVE, "alice", 0.0))
    assert of(out, QueueStatusChanged) == [QueueStatusChanged("q", waiting=0, on_duty=1, routable=0)]
    assert of(out, AgentStatusChanged)[-1].chats == ("held",)


# --- deadlines -----------------------------------------------------------------------------


def test_next_deadline_is_the_earliest_live_one() -> None:
    sc = Scenario(agents={"alice": ["q"]}, config=RouterConfig(agent_grace_s=30.0, requestor_grace_s=45.0))
    assert sc.r.next_deadline() is None
    sc.request("w")  # wait deadline 120
    assert sc.r.next_deadline() == 120.0
    sc.t = 10.0
    sc.requestor_drop("w")  # 55
    assert sc.r.next_deadline() == 55.0
    sc.t = 20.0
    sc.requestor_back("w")
    assert sc.r.next_deadline() == 120.0
    sc.connect("alice")  # takes w: no wait deadline any more
    assert sc.holder("w") == "alice"
    assert sc.r.next_deadline() is None
    sc.t = 40.0
    sc.disconnect("alice")  # 70
    assert sc.r.next_deadline() == 70.0
    sc.reconnect("alice")
    assert sc.r.next_deadline() is None
    assert sc.tick(10_000.0) == []


def test_tick_with_nothing_pending_does_nothing() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    before = sc.r.snapshot()
    assert sc.tick(5.0) == []
    assert sc.r.snapshot() == before


def test_custom_grace_periods_are_used() -> None:
    sc = Scenario(agents={"alice": ["q"]}, config=RouterConfig(agent_grace_s=5.0, requestor_grace_s=7.0))
    _alice_holding(sc, "c1")
    sc.disconnect("alice")
    assert sc.r.next_deadline() == 5.0
    assert of(sc.tick(5.0), Requeue) == [Requeue("c1", "alice")]
    sc.requestor_drop("c1")
    assert sc.r.next_deadline() == 12.0
    assert of(sc.tick(12.0), End) == [End("c1", EndReason.REQUESTOR_LEFT, None)]


# --- "chat again with the same agent" ---------------------------------------------------


def test_a_preferred_routable_agent_gets_the_request_over_the_longest_idle() -> None:
    sc = Scenario(agents={"alice": ["q"], "bob": ["q"]})
    sc.connect("alice")
    sc.t = 5.0
    sc.connect("bob")
    out = sc.apply(ev.ChatRequested(sc.t, "c1", "q", prefer="bob"))
    assert assigns(out) == {"c1": "bob"}


@pytest.mark.parametrize("why", ["busy", "other_queue", "unknown"])
def test_an_unavailable_preferred_agent_falls_back_to_normal_routing(why: str) -> None:
    bob_queues = ["r"] if why == "other_queue" else ["q"]
    sc = Scenario(queues={"q": 120.0, "r": 120.0}, agents={"alice": ["q"], "bob": bob_queues})
    sc.connect("alice")
    sc.connect("bob")
    if why == "busy":
        sc.presence("bob", Presence.BUSY)
    prefer = "nobody" if why == "unknown" else "bob"
    assert assigns(sc.apply(ev.ChatRequested(sc.t, "c1", "q", prefer=prefer))) == {"c1": "alice"}


def test_a_preferred_agent_who_is_not_routable_does_not_hold_the_request_back() -> None:
    sc = Scenario(agents={"alice": ["q"]})
    sc.connect("alice")
    sc.presence("alice", Presence.AWAY)
    sc.apply(ev.ChatRequested(sc.t, "c1", "q", prefer="alice"))
    assert sc.r.line("q") == ["c1"]
    assert assigns(sc.presence("alice", Presence.AVAILABLE)) == {"c1": "alice"}


def test_queue_counts_follow_an_agent_moved_to_other_queues() -> None:
    sc = Scenario(agents={"alice": ["q"], "bob": ["q", "p"]}, queues={"q": 120.0, "p": 120.0})
    sc.connect("alice")
    sc.connect("bob")
    assert (sc.r.queue_status("q").on_duty, sc.r.queue_status("q").routable) == (2, 2)
    assert (sc.r.queue_status("p").on_duty, sc.r.queue_status("p").routable) == (1, 1)
    sc.r.apply(ev.AgentConfigured(sc.t, "alice", ("p",), 1))  # signed in again after an admin moved her
    assert (sc.r.queue_status("q").on_duty, sc.r.queue_status("q").routable) == (1, 1)
    assert (sc.r.queue_status("p").on_duty, sc.r.queue_status("p").routable) == (2, 2)
    sc.r.apply(ev.DutySet(sc.t, "bob", False))
    assert (sc.r.queue_status("q").on_duty, sc.r.queue_status("p").on_duty, sc.r.queue_status("p").routable) == (
        0, 1, 1)
