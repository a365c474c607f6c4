"""The rules of a voice call (server/core/calls.py) and the ICE servers with TURN REST credentials
(server/core/turn.py): pure, no loop."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from onduty.server.core import calls
from onduty.server.core.turn import ice_servers, turn_credential
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.types import CallEndReason, CallState, Role

SDP = "\r\n".join([
    "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111", "c=IN IP4 0.0.0.0", "a=mid:0", "a=ice-ufrag:abcd",
    "a=ice-pwd:0123456789abcdef0123456789", "a=fingerprint:sha-256 AB:CD", "a=setup:actpass",
    "a=rtpmap:111 opus/48000/2", "a=candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host", "",
])


def active_call() -> calls.Call:
    call = calls.request(None, "c1", "k1", Role.REQUESTOR, 100.0)
    call = calls.offer(call, "k1", Role.AGENT)
    return calls.answer(call, "k1", Role.REQUESTOR, 110.0)


def test_a_call_goes_requested_ringing_active_ended_with_its_duration() -> None:
    call = calls.request(None, "c1", "k1", Role.REQUESTOR, 100.0)
    assert (call.state, calls.text(call)) == (CallState.REQUESTED, "Call requested")
    call = calls.offer(call, "k1", Role.AGENT)
    assert call.state is CallState.RINGING
    call = calls.answer(call, "k1", Role.REQUESTOR, 110.0)
    assert (call.state, call.started_at, calls.text(call)) == (CallState.ACTIVE, 110.0, "Call started")
    assert calls.candidate(call, "k1") is call
    ended = calls.hang_up(call, "k1", Role.AGENT, CallEndReason.HUNG_UP, 235.0)
    assert (ended.state, ended.duration_s, ended.ended_by) == (CallState.ENDED, 125.0, Role.AGENT)
    assert calls.text(ended) == "Call ended after 2:05"


@pytest.mark.parametrize(("reason", "started", "text"), [
    (CallEndReason.DECLINED, False, "Call declined"),
    (CallEndReason.HUNG_UP, False, "Call cancelled"),
    (CallEndReason.PERMISSION_DENIED, False, "Call failed: microphone permission denied"),
    (CallEndReason.NO_DEVICE, False, "Call failed: no microphone or speaker"),
    (CallEndReason.NO_CONNECTION, False, "Call failed: no network path for the audio"),
    (CallEndReason.CHAT_ENDED, False, "Call cancelled: the chat ended"),
    (CallEndReason.CHAT_ENDED, True, "Call ended after 1:02:05 (the chat ended)"),
    (CallEndReason.NO_CONNECTION, True, "Call ended after 1:02:05 (no network path for the audio)"),
])
def test_what_the_transcript_says_when_a_call_ends(reason: CallEndReason, started: bool, text: str) -> None:
    call = active_call() if started else calls.request(None, "c1", "k1", Role.REQUESTOR, 100.0)
    assert calls.text(calls.end(call, Role.REQUESTOR, reason, 110.0 + 3725.0)) == text


def test_steps_out_of_turn_or_for_another_call_are_refused_with_typed_errors() -> None:
    requested = calls.request(None, "c1", "k1", Role.REQUESTOR, 100.0)
    with pytest.raises(ProtocolError) as e:
        calls.request(requested, "c1", "k2", Role.AGENT, 101.0)
    assert e.value.code is ErrorCode.NOT_ALLOWED
    with pytest.raises(ProtocolError) as e:
        calls.offer(requested, "k1", Role.REQUESTOR)  # the agent makes the offer
    assert e.value.code is ErrorCode.NOT_ALLOWED
    for step in (lambda: calls.offer(requested, "other", Role.AGENT),
                 lambda: calls.answer(requested, "k1", Role.REQUESTOR, 1.0),  # not ringing yet
                 lambda: calls.candidate(requested, "k1"),
                 lambda: calls.hang_up(None, "k1", Role.AGENT, CallEndReason.HUNG_UP, 1.0)):
        with pytest.raises(ProtocolError) as e:
            step()
        assert e.value.code is ErrorCode.UNKNOWN_CALL
    ended = calls.end(requested, Role.AGENT, CallEndReason.DECLINED, 102.0)
    with pytest.raises(ProtocolError):
        calls.hang_up(ended, "k1", Role.AGENT, CallEndReason.HUNG_UP, 103.0)
    assert calls.request(ended, "c1", "k2", Role.AGENT, 104.0).call_id == "k2"  # a new call once it ended


def test_a_webrtc_audio_description_passes() -> None:
    calls.check_sdp(SDP)
    calls.check_sdp(SDP.replace("\r\n", "\n"))


@pytest.mark.parametrize("sdp", [
    "", "hello", "v=1\r\n", SDP.replace("m=audio", "m=video"), SDP + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n",
    SDP.replace("a=fingerprint:sha-256 AB:CD\r\n", ""), SDP.replace("a=ice-ufrag:abcd\r\n", ""),
    SDP.replace("s=-", "s -"), "\r\n".join(line for line in SDP.split("\r\n") if not line.startswith("m=")),
])
def test_malformed_sdp_is_refused_as_invalid_sdp(sdp: str) -> None:
    with pytest.raises(ProtocolError) as e:
        calls.check_sdp(sdp)
    assert e.value.code is ErrorCode.INVALID_SDP


def test_turn_credentials_follow_the_turn_rest_scheme() -> None:
    servers = ice_servers(("stun:turn.example.com:3478", "turn:turn.example.com:3478?transport=udp",
                           "turns:turn.example.com:443?transport=tcp"), "s3cret", 3600.0, "c1.requestor", 1000.5)
    stun, turn = servers
    assert (stun.urls, stun.username, stun.credential) == (["stun:turn.example.com:3478"], None, None)
    assert turn.urls == ["turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:443?transport=tcp"]
    assert turn.username == "4600:c1.requestor"
    expected = base64.b64encode(hmac.new(b"s3cret", b"4600:c1.requestor", hashlib.sha1).digest()).decode()
    assert turn.credential == expected == turn_credential("s3cret", "4600:c1.requestor")
    assert ice_servers(("turn:t:3478",), "", 60.0, "u", 0.0) == []  # no secret: a TURN server would refuse
    assert ice_servers((), "s", 60.0, "u", 0.0) == []
