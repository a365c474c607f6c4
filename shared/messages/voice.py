"""Voice calls between the requestor's widget and the agent's tray app: WebRTC signalling over the chat's
connections (offer, answer, ICE candidates, hang-up). Media never passes through the server.

The agent always makes the offer; either side may ask for the call first (``call_request``). The server relays
``call_offer`` to the requestor as ``peer_offer``, ``call_answer`` to the agent as ``peer_answer`` and
``call_candidate`` to the other party as ``peer_candidate`` (as ``typing`` becomes ``peer_typing``), and tells
both parties every change of the call as ``call_update``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from onduty.shared.messages.base import Message
from onduty.shared.types import CallEndReason, CallInfo, Ident, Max

MAX_SDP = 12000
"""Characters of one session description: an audio-only offer with a few dozen candidates is 1-6 KB."""
MAX_CANDIDATE = 1024
"""Characters of one ICE candidate line."""

Sdp = Annotated[str, Max(MAX_SDP)]


@dataclass(frozen=True, slots=True)
class CallRequest(Message):
    """Ask for a call in this chat: the requestor ("Call me"), or the agent before its offer (to get the ICE
    servers). Answered with ``call_update`` (``requested``)."""

    TYPE: ClassVar[str] = "call_request"
    chat_id: Ident


@dataclass(frozen=True, slots=True)
class CallOffer(Message):
    """The agent's SDP offer for the requested call; relayed as it is to the requestor."""

    TYPE: ClassVar[str] = "call_offer"
    chat_id: Ident
    call_id: Ident
    sdp: Sdp


@dataclass(frozen=True, slots=True)
class CallAnswer(Message):
    """The requestor's SDP answer to the offer; relayed as it is to the agent. The call is then ``active``."""

    TYPE: ClassVar[str] = "call_answer"
    chat_id: Ident
    call_id: Ident
    sdp: Sdp


@dataclass(frozen=True, slots=True)
class CallCandidate(Message):
    """One trickled ICE candidate (``RTCIceCandidate``) of a ringing or active call; relayed to the other party.
    An empty ``candidate`` says the sender has no more."""

    TYPE: ClassVar[str] = "call_candidate"
    chat_id: Ident
    call_id: Ident
    candidate: Annotated[str, Max(MAX_CANDIDATE)]
    sdp_mid: Ident | None = None
    sdp_mline_index: int | None = None


@dataclass(frozen=True, slots=True)
class HangUp(Message):
    """End the call (or decline it, or say why it cannot work); both parties get ``call_update`` (``ended``)."""

    TYPE: ClassVar[str] = "hang_up"
    chat_id: Ident
    call_id: Ident
    reason: CallEndReason = CallEndReason.HUNG_UP


# --- server -> client ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoiceAvailable(Message):
    """Requestors of this queue may ask for a call: sent to a requestor after ``queue_info`` and after
    ``chat_requested`` when the queue allows calls (nothing is sent when it does not)."""

    TYPE: ClassVar[str] = "voice_available"
    queue: Ident


@dataclass(frozen=True, slots=True)
class PeerOffer(Message):
    """The agent's ``call_offer``, relayed to the requestor."""

    TYPE: ClassVar[str] = "peer_offer"
    chat_id: Ident
    call_id: Ident
    sdp: Sdp


@dataclass(frozen=True, slots=True)
class PeerAnswer(Message):
    """The requestor's ``call_answer``, relayed to the agent."""

    TYPE: ClassVar[str] = "peer_answer"
    chat_id: Ident
    call_id: Ident
    sdp: Sdp


@dataclass(frozen=True, slots=True)
class PeerCandidate(Message):
    """The other party's ``call_candidate``, relayed."""

    TYPE: ClassVar[str] = "peer_candidate"
    chat_id: Ident
    call_id: Ident
    candidate: Annotated[str, Max(MAX_CANDIDATE)]
    sdp_mid: Ident | None = None
    sdp_mline_index: int | None = None


@dataclass(frozen=True, slots=True)
class CallUpdate(Message):
    """The call of a chat changed: to each party, with that party's ICE servers."""

    TYPE: ClassVar[str] = "call_update"
    call: CallInfo
