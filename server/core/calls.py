"""The rules of a voice call inside a chat: who may do which step when, and what the transcript says.

One call at a time per chat. Rules (the shell asks here and does what the answer says):

- ``request``: either party, while no call is under way. The requestor asks ("Call me"); the agent asks before
  placing a call, to learn its ICE servers. -> ``requested``.
- ``offer``: the agent only, on a ``requested`` call. -> ``ringing``. The offer is relayed to the requestor.
- ``answer``: the requestor only, on a ``ringing`` call. -> ``active`` (``started_at`` is now). Relayed.
- ``candidate``: either party, on a ``ringing`` or ``active`` call. Relayed to the other party.
- ``hang_up``: either party, on any call under way. -> ``ended`` with the reason; the duration is the time since
  it started (none if it never did).
- the chat ends, leaves the agent (requeued, transferred) or closes: the call under way ends (``chat_ended``).

A step naming another ``call_id`` than the call under way, or in the wrong state, is refused with
``unknown_call``; nothing changes. Pure: no I/O, time comes in as ``now``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.types import CallEndReason, CallState, Role

LIVE = frozenset({CallState.REQUESTED, CallState.RINGING, CallState.ACTIVE})

_FAILED = {
    CallEndReason.PERMISSION_DENIED: "microphone permission denied",
    CallEndReason.NO_DEVICE: "no microphone or speaker",
    CallEndReason.NO_CONNECTION: "no network path for the audio",
    CallEndReason.FAILED: "the audio could not be set up",
}


@dataclass(frozen=True, slots=True)
class Call:
    """One call of a chat (a value: each step returns a new one)."""

    chat_id: str
    call_id: str
    requested_by: Role
    requested_at: float
    state: CallState = CallState.REQUESTED
    started_at: float | None = None
    ended_at: float | None = None
    ended_by: Role | None = None
    reason: CallEndReason | None = None

    @property
    def duration_s(self) -> float | None:
        if self.started_at is None or self.ended_at is None:
            return None
        return max(0.0, self.ended_at - self.started_at)


def _refuse(detail: str) -> ProtocolError:
    return ProtocolError(ErrorCode.UNKNOWN_CALL, detail)


def request(current: Call | None, chat_id: str, call_id: str, by: Role, now: float) -> Call:
    if current is not None and current.state in LIVE:
        raise ProtocolError(ErrorCode.NOT_ALLOWED, "a call is under way in this chat already")
    return Call(chat_id, call_id, by, now)


def _live(current: Call | None, call_id: str, *states: CallState) -> Call:
    if current is None or current.call_id != call_id or current.state not in LIVE:
        raise _refuse("no such call under way in this chat")
    if current.state not in states:
        raise _refuse(f"the call is {current.state.value}")
    return current


def offer(current: Call | None, call_id: str, by: Role) -> Call:
    if by is not Role.AGENT:
        raise ProtocolError(ErrorCode.NOT_ALLOWED, "only the agent makes the offer")
    return replace(_live(current, call_id, CallState.REQUESTED), state=CallState.RINGING)


def answer(current: Call | None, call_id: str, by: Role, now: float) -> Call:
    if by is not Role.REQUESTOR:
        raise ProtocolError(ErrorCode.NOT_ALLOWED, "only the requestor answers")
    return replace(_live(current, call_id, CallState.RINGING), state=CallState.ACTIVE, started_at=now)


def candidate(current: Call | None, call_id: str) -> Call:
    return _live(current, call_id, CallState.RINGING, CallState.ACTIVE)


def hang_up(current: Call | None, call_id: str, by: Role, reason: CallEndReason, now: float) -> Call:
    return end(_live(current, call_id, *LIVE), by, reason, now)


def end(call: Call, by: Role | None, reason: CallEndReason, now: float) -> Call:
    return replace(call, state=CallState.ENDED, ended_at=now, ended_by=by, reason=reason)


def clock_text(seconds: float) -> str:
    """``2:05``, ``1:02:05``: the running timer and the duration in the transcript."""
    s = int(seconds)
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def text(call: Call) -> str:
    """The transcript line (and ``call_update.text``) for the call's state."""
    match call.state:
        case CallState.REQUESTED:
            return "Call requested" if call.requested_by is Role.REQUESTOR else "Calling"
        case CallState.RINGING:
            return "Ringing"
        case CallState.ACTIVE:
            return "Call started"
    why = _FAILED.get(call.reason) if call.reason is not None else None
    if call.duration_s is not None:
        suffix = f" ({why})" if why else " (the chat ended)" if call.reason is CallEndReason.CHAT_ENDED else ""
        return f"Call ended after {clock_text(call.duration_s)}{suffix}"
    if why:
        return f"Call failed: {why}"
    if call.reason is CallEndReason.DECLINED:
        return "Call declined"
    if call.reason is CallEndReason.CHAT_ENDED:
        return "Call cancelled: the chat ended"
    return "Call cancelled"


_LINE = re.compile(r"[a-z]=[^\r\n]*")


def check_sdp(sdp: str) -> None:
    """Refuse (``invalid_sdp``) what is not a WebRTC audio session description: ``v=0`` first, every line
    ``<letter>=<value>``, exactly audio media sections (one at least), DTLS (a fingerprint) and ICE
    credentials present. The server relays what passes as it is; the browsers parse it fully."""
    lines = [line for line in sdp.replace("\r\n", "\n").split("\n") if line]
    if not lines or lines[0] != "v=0":
        raise ProtocolError(ErrorCode.INVALID_SDP, "a session description starts with v=0")
    bad = next((line for line in lines if not _LINE.fullmatch(line)), None)
    if bad is not None:
        raise ProtocolError(ErrorCode.INVALID_SDP, f"not an SDP line: {bad[:40]!r}")
    media = [line for line in lines if line.startswith("m=")]
    if not media:
        raise ProtocolError(ErrorCode.INVALID_SDP, "no audio section (m=audio)")
    if any(not m.startswith("m=audio ") for m in media):
        raise ProtocolError(ErrorCode.INVALID_SDP, "a call carries audio only")
    if not any(line.startswith("a=fingerprint:") for line in lines):
        raise ProtocolError(ErrorCode.INVALID_SDP, "no DTLS fingerprint (a=fingerprint)")
    if not any(line.startswith("a=ice-ufrag:") for line in lines):
        raise ProtocolError(ErrorCode.INVALID_SDP, "no ICE credentials (a=ice-ufrag)")
