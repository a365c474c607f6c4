"""Warm handover (seed 001) in the pure router: discuss, accept or not, transfer; cold transfer."""

from __future__ import annotations

import pytest

from onduty.server.core import events as ev
from onduty.server.core.decisions import Decision, DiscussionChanged, Transferred
from onduty.server.core.model import RouterConfig
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.types import ChatState, DiscussionState, Presence
from tests.core.scenario import Scenario, assigns, of, positions

S = DiscussionState


def states(out: list[Decision]) -> list[tuple[str, str | None, DiscussionState]]:
    return [(d.discussion_id, d.receiver, d.state) for d in of(out, DiscussionChanged)]


def handover_scenario() -> Scenario:
    """ann (cim) holds chat c1; cic has carl (free since 1) and dora (free since 2)."""
    sc = Scenario(queues={"cim": 120.0, "cic": 120.0},
                  agents={"ann": ["cim"], "carl": ["cic"], "dora": ["cic"], "bob": ["cim"]})
    sc.connect("ann")
    sc.t = 1.0
    sc.connect("carl")
    sc.t = 2.0
    sc.connect("dora")
    sc.t = 3.0
    assert assigns(sc.request("c1", "cim")) == {"c1": "ann"}
    sc.reply("c1", "ann")
    sc.t = 10.0
    return sc


def discuss(sc: Scenario, queue: str | None = "cic", colleague: str | None = None, d: str = "d1",
            sender: str = "ann", chat: str = "c1") -> list[Decision]:
    return sc.apply(ev.DiscussionRequested(sc.t, d, chat, sender, queue=queue, colleague=colleague))


def test_warm_handover_discuss_accept_transfer() -> None:
    sc = handover_scenario()
    out = discuss(sc)
    assert states(out) == [("d1", "carl", S.OFFERED)]  # longest free in cic
    assert of(out, DiscussionChanged)[0].expires_at == 70.0
    # The discussion holds carl's place: a new cic request goes to dora.
    assert assigns(sc.request("c2", "cic")) == {"c2": "dora"}

    assert states(sc.apply(ev.DiscussionAnswered(sc.t, "d1", "carl", accept=True))) == [("d1", "carl", S.ACCEPTED)]
    sc.request("c3", "cim")  # waits: ann is busy with c1
    assert sc.r.line("cim") == ["c3"]

    out = sc.apply(ev.TransferRequested(sc.t, "d1", "ann"))
    assert of(out, Transferred) == [Transferred("c1", "ann", "carl", "cic")]  # now a chat of the asked queue
    assert states(out) == [("d1", "carl", S.TRANSFERRED)]
    assert sc.holder("c1") == "carl"
    assert sc.r.chat_state("c1") is ChatState.ACTIVE
    assert sc.r.agent_chats("carl") == ("c1",)
    assert assigns(out) == {"c3": "ann"}  # the sender's capacity is free at once
    assert sc.r.discussion("d1") is None


def test_transfer_before_acceptance_is_refused_and_changes_nothing() -> None:
    sc = handover_scenario()
    discuss(sc)
    before = sc.r.snapshot()
    with pytest.raises(ProtocolError) as err:
        sc.apply(ev.TransferRequested(sc.t, "d1", "ann"))
    assert err.value.code is ErrorCode.NOT_ALLOWED
    assert sc.r.snapshot() == before
    assert sc.holder("c1") == "ann"


def test_a_request_nobody_accepts_comes_back_as_expired_and_frees_the_receiver() -> None:
    sc = handover_scenario()
    discuss(sc, colleague="carl", queue=None)
    sc.presence("dora", Presence.AWAY)
    sc.request("c2", "cic")  # carl is reserved, dora away: c2 waits
    assert sc.r.line("cic") == ["c2"]
    assert sc.r.next_deadline() == 70.0
    out = sc.tick(70.0)
    assert states(out) == [("d1", "carl", S.EXPIRED)]
    assert assigns(out) == {"c2": "carl"}
    assert sc.holder("c1") == "ann"  # the requestor never saw a transfer


def test_declined_and_cancelled_discussions_end_and_the_sender_may_try_again() -> None:
    sc = handover_scenario()
    discuss(sc)
    assert states(sc.apply(ev.DiscussionAnswered(sc.t, "d1", "carl", accept=False))) == [("d1", "carl", S.DECLINED)]
    # carl counts as newly free after declining: the next request goes to dora first
    assert states(discuss(sc, d="d2")) == [("d2", "dora", S.OFFERED)]
    assert states(sc.apply(ev.DiscussionCancelled(sc.t, "d2", "ann"))) == [("d2", "dora", S.CANCELLED)]
    assert sc.r.agent_status("dora").routable


def test_nobody_routable_in_the_queue_ends_at_once() -> None:
    sc = handover_scenario()
    sc.duty("carl", False)
    sc.presence("dora", Presence.BUSY)
    assert states(discuss(sc)) == [("d1", None, S.NOBODY_AVAILABLE)]
    assert sc.r.discussion("d1") is None
    # bob never connected: the sender's own queue has nobody either (the sender itself does not count)
    assert states(discuss(sc, queue="cim", d="d3")) == [("d3", None, S.NOBODY_AVAILABLE)]


def test_a_colleague_must_be_routable() -> None:
    sc = handover_scenario()
    sc.presence("carl", Presence.AWAY)
    assert states(discuss(sc, queue=None, colleague="carl")) == [("d1", None, S.NOBODY_AVAILABLE)]
    assert states(discuss(sc, queue=None, colleague="ghost", d="d2")) == [("d2", None, S.NOBODY_AVAILABLE)]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"sender": "carl"}, ErrorCode.NOT_ALLOWED),  # not the holder
        ({"chat": "nope"}, ErrorCode.UNKNOWN_CHAT),
        ({"queue": "nowhere"}, ErrorCode.UNKNOWN_QUEUE),
        ({"queue": None}, ErrorCode.INVALID_VALUE),  # neither queue nor colleague
        ({"colleague": "carl"}, ErrorCode.INVALID_VALUE),  # both
        ({"queue": None, "colleague": "ann"}, ErrorCode.INVALID_VALUE),  # oneself
    ],
)
def test_bad_discussion_requests_are_refused(kwargs: dict[str, str | None], code: ErrorCode) -> None:
    sc = handover_scenario()
    with pytest.raises(ProtocolError) as err:
        discuss(sc, **kwargs)  # type: ignore[arg-type]
    assert err.value.code is code


def test_one_open_discussion_per_chat_and_only_its_parties_act_on_it() -> None:
    sc = handover_scenario()
    discuss(sc)
    with pytest.raises(ProtocolError):
        discuss(sc, d="d2")
    with pytest.raises(ProtocolError):
        sc.apply(ev.DiscussionAnswered(sc.t, "d1", "dora", accept=True))
    with pytest.raises(ProtocolError):
        sc.apply(ev.DiscussionCancelled(sc.t, "d1", "carl"))


def test_receiver_disconnecting_mid_discussion_ends_it() -> None:
    sc = handover_scenario()
    discuss(sc)
    sc.apply(ev.DiscussionAnswered(sc.t, "d1", "carl", accept=True))
    out = sc.disconnect("carl")
    assert states(out) == [("d1", "carl", S.RECEIVER_LEFT)]
    with pytest.raises(ProtocolError):
        sc.apply(ev.TransferRequested(sc.t, "d1", "ann"))
    assert sc.holder("c1") == "ann"


def test_requestor_leaving_mid_handover_ends_the_discussion() -> None:
    sc = handover_scenario()
    discuss(sc)
    sc.apply(ev.DiscussionAnswered(sc.t, "d1", "carl", accept=True))
    out = sc.requestor_end("c1")
    assert states(out) == [("d1", "carl", S.CHAT_ENDED)]
    assert sc.r.agent_status("carl").routable
    with pytest.raises(ProtocolError):
        sc.apply(ev.TransferRequested(sc.t, "d1", "ann"))


def test_sender_lost_for_good_requeues_the_chat_and_ends_the_discussion() -> None:
    sc = Scenario(queues={"cim": 120.0, "cic": 120.0}, agents={"ann": ["cim"], "carl": ["cic"]},
                  config=RouterConfig(agent_grace_s=30.0))
    sc.connect("ann")
    sc.connect("carl")
    sc.request("c1", "cim")
    discuss(sc)
    sc.disconnect("ann")
    out = sc.tick(31.0)
    assert states(out) == [("d1", "carl", S.CHAT_ENDED)]
    assert sc.r.line("cim") == ["c1"]


def test_cold_transfer_puts_the_chat_at_the_head_of_the_other_line() -> None:
    sc = handover_scenario()
    sc.presence("carl", Presence.BUSY)
    sc.presence("dora", Presence.BUSY)
    sc.request("c2", "cic")
    out = sc.apply(ev.ColdTransferRequested(sc.t, "c1", "ann", "cic"))
    assert of(out, Transferred) == [Transferred("c1", "ann", None, "cic")]
    assert sc.r.line("cic") == ["c1", "c2"]
    assert positions(out)["c1"] == 1
    assert sc.r.agent_status("ann").routable
    assert assigns(sc.presence("dora", Presence.AVAILABLE)) == {"c1": "dora"}


def test_cold_transfer_into_a_queue_of_the_sender_is_refused() -> None:
    sc = handover_scenario()
    with pytest.raises(ProtocolError) as err:
        sc.apply(ev.ColdTransferRequested(sc.t, "c1", "ann", "cim"))
    assert err.value.code is ErrorCode.NOT_ROUTABLE
    assert sc.holder("c1") == "ann"
