"""Voice call signalling on loopback: relayed only inside an active chat between its two parties, every step
answered by call_update to both, malformed SDP refused with a typed error, ICE servers with TURN REST
credentials sent to each party, and the call in the transcript."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    CallAnswer,
    CallCandidate,
    CallOffer,
    CallRequest,
    CallUpdate,
    ChatAssigned,
    ChatEnded,
    ChatMessage,
    ChatRequested,
    EndChat,
    Error,
    GetQueueInfo,
    GetTranscript,
    HangUp,
    PeerAnswer,
    PeerCandidate,
    PeerOffer,
    ResumeChat,
    Send,
    Sent,
    Transcript,
    VoiceAvailable,
)
from onduty.shared.types import CallEndReason, CallState, Role

from .conftest import agent_on_duty, request
from .harness import Harness, Wire

SECRET = "turn-shared-secret"
SDP = "\r\n".join([
    "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=mid:0", "a=ice-ufrag:abcd",
    "a=ice-pwd:0123456789abcdef0123456789", "a=fingerprint:sha-256 AB:CD", "a=setup:actpass",
    "a=rtpmap:111 opus/48000/2", "",
])


@pytest.fixture
async def voice(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(tmp_path / "data", ice_servers=("stun:turn.example.com:3478", "turn:turn.example.com:3478"),
                turn_secret=SECRET, turn_ttl_s=600.0)
    await h.seed()
    await h.start()
    yield h
    await h.close()


async def chat(h: Harness, agent: str = "ann") -> tuple[Wire, Wire, str]:
    ann, _ = await agent_on_duty(h, agent)
    rita, requested = await request(h)
    await ann.expect(ChatAssigned)
    await ann.until(ChatMessage, lambda m: m.seq == 1)
    return ann, rita, requested.chat_id


async def update(wire: Wire, state: CallState) -> CallUpdate:
    return await wire.until(CallUpdate, lambda u: u.call.state is state)


async def test_a_requested_call_is_offered_answered_and_hung_up_with_its_duration(voice: Harness) -> None:
    h = voice
    ann, rita, chat_id = await chat(h)
    await rita.send(CallRequest(chat_id=chat_id, req="r1"))
    mine = await update(rita, CallState.REQUESTED)
    theirs = await update(ann, CallState.REQUESTED)
    assert mine.req == "r1" and theirs.req is None
    call_id = mine.call.call_id
    assert (theirs.call.call_id, theirs.call.requested_by, theirs.call.text) == (call_id, Role.REQUESTOR,
                                                                                 "Call requested")
    # each party has its own time-limited TURN credentials, made from the shared secret
    for u, role in ((mine, "requestor"), (theirs, "agent")):
        stun, turn = u.call.ice_servers
        assert stun.urls == ["stun:turn.example.com:3478"] and stun.username is None
        assert turn.username == f"{int(h.clock.now + 600)}:{chat_id}.{role}"
        digest = hmac.new(SECRET.encode(), turn.username.encode(), hashlib.sha1).digest()
        assert turn.credential == base64.b64encode(digest).decode()
    line = await ann.until(ChatMessage, lambda m: m.text == "Call requested")
    assert line.sender is Role.REQUESTOR

    await ann.send(CallOffer(chat_id=chat_id, call_id=call_id, sdp=SDP, req="o1"))
    assert (await update(ann, CallState.RINGING)).req == "o1"
    await update(rita, CallState.RINGING)
    offer = await rita.until(PeerOffer)
    assert (offer.call_id, offer.sdp, offer.req) == (call_id, SDP, None)

    await ann.send(CallCandidate(chat_id=chat_id, call_id=call_id, candidate="candidate:1 1 udp 1 127.0.0.1 5 typ host",
                                 sdp_mid="0", sdp_mline_index=0))
    relayed = await rita.until(PeerCandidate)
    assert (relayed.candidate[:11], relayed.sdp_mid, relayed.sdp_mline_index) == ("candidate:1", "0", 0)

    await rita.send(CallAnswer(chat_id=chat_id, call_id=call_id, sdp=SDP, req="a1"))
    active = await update(rita, CallState.ACTIVE)
    assert (active.req, active.call.started_at) == ("a1", h.clock.now)
    assert (await ann.until(PeerAnswer)).sdp == SDP
    await update(ann, CallState.ACTIVE)
    await rita.send(CallCandidate(chat_id=chat_id, call_id=call_id, candidate=""))
    assert (await ann.until(PeerCandidate)).candidate == ""

    h.clock.advance(125.0)
    await rita.send(HangUp(chat_id=chat_id, call_id=call_id, req="h1"))
    ended = await update(rita, CallState.ENDED)
    assert (ended.req, ended.call.duration_s, ended.call.ended_by, ended.call.reason) == (
        "h1", 125.0, Role.REQUESTOR, CallEndReason.HUNG_UP)
    assert ended.call.text == "Call ended after 2:05" and ended.call.ice_servers == []
    assert (await update(ann, CallState.ENDED)).call.duration_s == 125.0
    await ann.until(ChatMessage, lambda m: m.text == "Call ended after 2:05")

    texts = [m.text for m in await h.shell.store.messages_after(chat_id, 0, 50)]
    assert texts == ["Hello, I need a processor", "Call requested", "Call started", "Call ended after 2:05"]
    # the transcript the agent reads (history, and the chat's transcript in its case) has the call
    await ann.send(GetTranscript(chat_id=chat_id, req="t1"))
    transcript = await ann.until(Transcript)
    assert [(m.sender, m.text) for m in transcript.messages][1:] == [
        (Role.REQUESTOR, "Call requested"), (Role.REQUESTOR, "Call started"), (Role.REQUESTOR, "Call ended after 2:05")]
    # a second call in the same chat, placed by the agent this time, hung up by the agent
    await ann.send(CallRequest(chat_id=chat_id))
    again = await update(ann, CallState.REQUESTED)
    assert again.call.call_id != call_id and again.call.requested_by is Role.AGENT
    await ann.send(HangUp(chat_id=chat_id, call_id=again.call.call_id))
    assert (await update(rita, CallState.ENDED)).call.text == "Call cancelled"


async def test_calls_outside_a_chat_or_into_another_chat_are_refused(voice: Harness) -> None:
    h = voice
    ann, rita, chat_id = await chat(h)
    bob, _ = await agent_on_duty(h, "bob")
    other, other_requested = await request(h, text="Another one")
    await bob.expect(ChatAssigned)
    # the requestor names a chat that is not its own; bob names ann's chat
    await rita.send(CallRequest(chat_id=other_requested.chat_id, req="x1"))
    assert ((e := await rita.until(Error)).req, e.code) == ("x1", ErrorCode.UNKNOWN_CHAT)
    await bob.send(CallRequest(chat_id=chat_id, req="x2"))
    assert (await bob.until(Error)).code in (ErrorCode.NOT_ALLOWED, ErrorCode.UNKNOWN_CHAT)
    await rita.send(CallRequest(chat_id=chat_id))
    call_id = (await update(rita, CallState.REQUESTED)).call.call_id
    await bob.send(CallOffer(chat_id=chat_id, call_id=call_id, sdp=SDP, req="x3"))
    assert (await bob.until(Error)).req == "x3"
    # the requestor cannot offer, nor the agent answer: each endpoint decodes only its side's messages
    await rita.send(CallOffer(chat_id=chat_id, call_id=call_id, sdp=SDP, req="x4"))
    assert (await rita.until(Error)).code is ErrorCode.UNKNOWN_TYPE
    await ann.send(CallAnswer(chat_id=chat_id, call_id=call_id, sdp=SDP, req="x5"))
    assert (await ann.until(Error)).code is ErrorCode.UNKNOWN_TYPE
    # a wrong call id, and an answer before the offer
    await ann.send(CallOffer(chat_id=chat_id, call_id="nope", sdp=SDP, req="x6"))
    assert (await ann.until(Error)).code is ErrorCode.UNKNOWN_CALL
    await rita.send(CallAnswer(chat_id=chat_id, call_id=call_id, sdp=SDP, req="x7"))
    assert (await rita.until(Error)).code is ErrorCode.UNKNOWN_CALL
    # a second request while one is under way
    await ann.send(CallRequest(chat_id=chat_id, req="x8"))
    assert (await ann.until(Error)).code is ErrorCode.NOT_ALLOWED
    # nothing of this reached the other chat
    await other.send(Send(chat_id=other_requested.chat_id, client_msg_id="o2", text="still here"))
    await other.until(Sent)
    assert not [m for m in other.seen if isinstance(m, CallUpdate | PeerOffer)]


async def test_a_call_before_an_agent_serves_the_chat_is_refused(voice: Harness) -> None:
    rita, requested = await request(voice)  # nobody on duty: waiting
    await rita.send(CallRequest(chat_id=requested.chat_id, req="w1"))
    error = await rita.until(Error)
    assert (error.req, error.code) == ("w1", ErrorCode.NOT_ALLOWED)


async def test_malformed_sdp_gets_invalid_sdp_and_the_call_and_connection_go_on(voice: Harness) -> None:
    h = voice
    ann, rita, chat_id = await chat(h)
    await rita.send(CallRequest(chat_id=chat_id))
    call_id = (await update(ann, CallState.REQUESTED)).call.call_id
    for bad in ("not sdp at all", SDP.replace("m=audio", "m=video"), "v=0\r\n\x00\x01"):
        await ann.send(CallOffer(chat_id=chat_id, call_id=call_id, sdp=bad, req="bad"))
        error = await ann.until(Error)
        assert (error.code, error.ref, error.req) == (ErrorCode.INVALID_SDP, "call_offer", "bad")
    await ann.send(CallOffer(chat_id=chat_id, call_id=call_id, sdp="v=0\r\n" + "a=x\r\n" * 2500))  # over 12000
    assert (await ann.until(Error)).code is ErrorCode.TOO_LARGE
    await ann.send(CallOffer(chat_id=chat_id, call_id=call_id, sdp=SDP))
    await update(rita, CallState.RINGING)
    await rita.send(CallAnswer(chat_id=chat_id, call_id=call_id, sdp="v=0\r\nm=audio 9 x\r\n", req="a"))
    assert (await rita.until(Error)).code is ErrorCode.INVALID_SDP
    assert not [m for m in ann.seen if isinstance(m, PeerAnswer)]
    await rita.send(CallAnswer(chat_id=chat_id, call_id=call_id, sdp=SDP))
    await update(ann, CallState.ACTIVE)


async def test_the_call_ends_with_the_chat_and_when_a_party_leaves(voice: Harness) -> None:
    h = voice
    ann, rita, chat_id = await chat(h)
    await rita.send(CallRequest(chat_id=chat_id))
    call_id = (await update(ann, CallState.REQUESTED)).call.call_id
    await ann.send(CallOffer(chat_id=chat_id, call_id=call_id, sdp=SDP))
    await update(rita, CallState.RINGING)
    await rita.send(CallAnswer(chat_id=chat_id, call_id=call_id, sdp=SDP))
    await update(ann, CallState.ACTIVE)
    h.clock.advance(61.0)
    await ann.send(EndChat(chat_id=chat_id))
    await ann.until(ChatEnded)
    ended = await update(rita, CallState.ENDED)
    assert (ended.call.reason, ended.call.duration_s, ended.call.text) == (
        CallEndReason.CHAT_ENDED, 61.0, "Call ended after 1:01 (the chat ended)")
    await rita.until(ChatMessage, lambda m: m.text == "Call ended after 1:01 (the chat ended)")
    await ann.send(HangUp(chat_id=chat_id, call_id=call_id, req="late"))
    assert (await ann.until(Error)).code is ErrorCode.UNKNOWN_CALL

    # the requestor's connection goes during a call: the agent is told at once
    ann2, rita2, chat2 = await chat(h, "bob")
    await ann2.send(CallRequest(chat_id=chat2))
    await update(ann2, CallState.REQUESTED)
    await rita2.close()
    gone = await update(ann2, CallState.ENDED)
    assert (gone.call.reason, gone.call.ended_by) == (CallEndReason.NO_CONNECTION, Role.REQUESTOR)


async def test_requestors_learn_which_queues_offer_calls(voice: Harness) -> None:
    rita = await voice.connect("/ws/requestor")
    await rita.send(GetQueueInfo(queue="cim-emea", req="q1"))
    assert (await rita.next()).TYPE == "queue_info"
    assert await rita.next() == VoiceAvailable(queue="cim-emea")
    rita, requested = await request(voice)
    assert VoiceAvailable(queue="cim-emea") in rita.seen  # after chat_requested too
    again = await voice.connect("/ws/requestor")
    await again.send(ResumeChat(chat_id=requested.chat_id, resume_token=requested.resume_token))
    await again.expect(ChatRequested)
    assert await again.until(VoiceAvailable) == VoiceAvailable(queue="cim-emea")  # and after a resume


@pytest.mark.parametrize("settings", [{"voice_calls": False}, {"voice_queues": ("cic",)}])
async def test_queues_without_calls_say_nothing_and_refuse_them(tmp_path: Path, settings: dict[str, object]) -> None:
    h = Harness(tmp_path / "data", **settings)  # type: ignore[arg-type]
    await h.seed()
    await h.start()
    try:
        ann, rita, chat_id = await chat(h)
        await rita.send(CallRequest(chat_id=chat_id, req="off"))
        error = await rita.until(Error)
        assert (error.code, error.detail) == (ErrorCode.NOT_ALLOWED, "voice calls are not offered in this queue")
        await ann.send(CallRequest(chat_id=chat_id, req="off2"))
        assert (await ann.until(Error)).code is ErrorCode.NOT_ALLOWED
        assert not [m for m in rita.seen if isinstance(m, VoiceAvailable)]
    finally:
        await h.close()
