"""Voice calls in a chat: the signalling relay between the chat's requestor and its agent.

The rules are in :mod:`onduty.server.core.calls`; this keeps each open chat's call, relays the SDP and ICE
candidates to the other party of that chat only (``peer_offer``, ``peer_answer``, ``peer_candidate``), tells
both parties every change (``call_update``, each with its own ICE servers and TURN credentials) and writes "Call
requested / started / ended after 2:05" into the chat's transcript. It is told every routing decision
(``Performer.observers``): a chat that ends, is requeued, transferred or closed ends its call. Media never passes
through the server.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from onduty.server.config import ServerConfig
from onduty.server.core import calls
from onduty.server.core.calls import LIVE, Call
from onduty.server.core.decisions import Close, Decision, End, Requeue, Transferred
from onduty.server.core.turn import ice_servers
from onduty.server.shell.ports import Delivery, Presence, Routing
from onduty.server.shell.sessions import ChatSession
from onduty.server.shell.writes import Writes
from onduty.server.store import Store
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import (
    CallAnswer,
    CallCandidate,
    CallOffer,
    CallRequest,
    CallUpdate,
    HangUp,
    PeerAnswer,
    PeerCandidate,
    PeerOffer,
    VoiceAvailable,
)
from onduty.shared.types import CallEndReason, CallInfo, CallState, ChatState, Role

log = logging.getLogger(__name__)

CallMessage = CallRequest | CallOffer | CallAnswer | CallCandidate | HangUp
SERVING = frozenset({ChatState.ASSIGNED, ChatState.ACTIVE})


class VoiceCalls:
    """The call of each open chat (at most one under way), owned here; its rules are the core's."""

    def __init__(self, config: ServerConfig, routing: Routing, delivery: Delivery, presence: Presence,
                 store: Store, writes: Writes, clock: Callable[[], float]) -> None:
        self._config = config
        self._routing = routing
        self._delivery = delivery
        self._presence = presence
        self._store = store
        self._writes = writes
        self._clock = clock
        self._calls: dict[str, Call] = {}

    def allowed(self, queue: str) -> bool:
        """Whether chats of ``queue`` may have calls (the ``voice_calls`` and ``voice_queues`` settings)."""
        config = self._config
        return config.voice_calls and (not config.voice_queues or queue in config.voice_queues)

    def available(self, queue: str) -> VoiceAvailable | None:
        """What tells a requestor of ``queue`` that it may ask for a call (None: it may not)."""
        return VoiceAvailable(queue=queue) if self.allowed(queue) else None

    def call(self, chat_id: str) -> Call | None:
        """The chat's latest call (under way or ended), while the chat is open."""
        return self._calls.get(chat_id)

    async def handle(self, message: CallMessage, role: Role, session: ChatSession) -> None:
        """One signalling message from ``role``, the sender being that party of ``session``'s chat (the
        endpoint checked that: the requestor's own chat, the chat the agent holds)."""
        chat_id, now = session.chat_id, self._clock()
        current = self._calls.get(chat_id)
        if not isinstance(message, HangUp):
            self._check_serving(chat_id)
        match message:
            case CallRequest():
                if not self.allowed(session.record.queue):
                    raise ProtocolError(ErrorCode.NOT_ALLOWED, "voice calls are not offered in this queue")
                call = calls.request(current, chat_id, uuid.uuid4().hex[:16], role, now)
                await self._change(session, call, role)
            case CallOffer(call_id=call_id, sdp=sdp):
                calls.check_sdp(sdp)
                call = calls.offer(current, call_id, role)
                await self._change(session, call, role)
                self._delivery.to_party(chat_id, Role.REQUESTOR, PeerOffer(chat_id=chat_id, call_id=call_id, sdp=sdp))
            case CallAnswer(call_id=call_id, sdp=sdp):
                calls.check_sdp(sdp)
                call = calls.answer(current, call_id, role, now)
                await self._change(session, call, role)
                self._delivery.to_party(chat_id, Role.AGENT, PeerAnswer(chat_id=chat_id, call_id=call_id, sdp=sdp))
            case CallCandidate(call_id=call_id, candidate=line, sdp_mid=mid, sdp_mline_index=index):
                calls.candidate(current, call_id)
                self._delivery.to_party(chat_id, _other(role), PeerCandidate(
                    chat_id=chat_id, call_id=call_id, candidate=line, sdp_mid=mid, sdp_mline_index=index))
            case HangUp(call_id=call_id, reason=reason):
                call = calls.hang_up(current, call_id, role, reason, now)
                await self._change(session, call, role)

    def left(self, chat_id: str, role: Role) -> None:
        """``role``'s connection to the chat ended: its audio went with it, so the call under way ends."""
        call = self._calls.get(chat_id)
        if call is not None and call.state in LIVE:
            self._end(call, role, CallEndReason.NO_CONNECTION)

    def observe(self, d: Decision) -> None:
        """Routing decided: a chat that ended or left its agent ends its call; a closed chat forgets it."""
        match d:
            case End(chat_id=chat_id) | Requeue(chat_id=chat_id) | Transferred(chat_id=chat_id):
                call = self._calls.get(chat_id)
                if call is not None and call.state in LIVE:
                    self._end(call, None, CallEndReason.CHAT_ENDED)
            case Close(chat_id=chat_id):
                call = self._calls.get(chat_id)
                if call is not None and call.state in LIVE:
                    self._end(call, None, CallEndReason.CHAT_ENDED)
                self._calls.pop(chat_id, None)
            case _:
                pass

    # --- steps ---------------------------------------------------------------------------

    def _check_serving(self, chat_id: str) -> None:
        view = self._routing.chat(chat_id)
        if view is None or view.agent is None or view.end_reason is not None or view.state not in SERVING:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "a call needs a chat that an agent is serving")

    async def _change(self, session: ChatSession, call: Call, by: Role) -> None:
        self._calls[call.chat_id] = call
        self._tell(call)
        log.info("call %s", call.state.value, extra={"chat": call.chat_id, "call": call.call_id, "by": by.value,
                                                     "reason": call.reason.value if call.reason else None})
        if call.state is not CallState.RINGING:
            await self._record(session, call, by)

    def _end(self, call: Call, by: Role | None, reason: CallEndReason) -> None:
        ended = calls.end(call, by, reason, self._clock())
        self._calls[call.chat_id] = ended
        self._tell(ended)
        log.info("call ended", extra={"chat": call.chat_id, "call": call.call_id, "reason": reason.value})
        session = self._delivery.session(call.chat_id)
        if session is not None:
            self._writes.background(self._record(session, ended, by or Role.AGENT), "call transcript")

    def _tell(self, call: Call) -> None:
        for role in (Role.REQUESTOR, Role.AGENT):
            self._delivery.to_party(call.chat_id, role, CallUpdate(call=self.info(call, role)))

    async def _record(self, session: ChatSession, call: Call, by: Role) -> None:
        """The transcript line of this step, stored as a message of the party that made it (once: its
        ``client_msg_id`` names the call and the state)."""
        if by is Role.REQUESTOR:
            name = session.record.requestor_name
        else:
            view = self._routing.chat(call.chat_id)
            agent = view.agent if view is not None else session.record.agent
            name = self._presence.name(agent) if agent else "Agent"
        stored, new = await self._store.append_message(
            call.chat_id, by, name, calls.text(call), self._clock(), f"call-{call.call_id}-{call.state.value}"
        )
        if new:
            self._delivery.stored(stored)

    def info(self, call: Call, role: Role) -> CallInfo:
        """The call as ``role`` is told it, with ICE servers and TURN credentials of its own."""
        config = self._config
        servers = ice_servers(config.ice_servers, config.turn_secret, config.turn_ttl_s,
                              f"{call.chat_id}.{role.value}", self._clock()) if call.state in LIVE else []
        return CallInfo(
            chat_id=call.chat_id, call_id=call.call_id, state=call.state, requested_by=call.requested_by,
            requested_at=call.requested_at, ice_servers=servers, relay_only=config.ice_relay_only,
            started_at=call.started_at, ended_at=call.ended_at, duration_s=call.duration_s, ended_by=call.ended_by,
            reason=call.reason, text=calls.text(call),
        )


def _other(role: Role) -> Role:
    return Role.AGENT if role is Role.REQUESTOR else Role.REQUESTOR
