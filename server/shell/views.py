"""What clients are told of routing's state: routing decisions and queries turned into messages."""

from __future__ import annotations

from onduty.server.core.decisions import AgentStatusChanged, Position
from onduty.server.shell.ports import Presence, Routing
from onduty.server.shell.sessions import ChatSession, chat_info
from onduty.shared.messages import AgentStatus, ChatEnded, Waiting
from onduty.shared.types import ChatInfo, EndReason

END_TEXT = {
    EndReason.TIMEOUT: "All agents are busy, please try again later.",
    EndReason.REQUESTOR_LEFT: "The requestor left the chat.",
    EndReason.AGENT_ENDED: "The agent ended the chat.",
    EndReason.AGENT_CLOSED: "The agent closed the chat.",
}


def open_chat_info(routing: Routing, presence: Presence, session: ChatSession) -> ChatInfo:
    """An open chat as clients see it: its request, and its state as routing holds it."""
    view = routing.chat(session.chat_id)
    agent = view.agent if view is not None else session.record.agent
    return chat_info(session.record, view, presence.name(agent) if agent is not None else None, session.last_seq)


def ended_frame(routing: Routing, chat_id: str) -> ChatEnded | None:
    """What a party is told about a chat that is over (a late ``end_chat``, a resume), or None."""
    view = routing.chat(chat_id)
    if view is None or view.end_reason is None:
        return None
    return ChatEnded(chat_id=chat_id, reason=view.end_reason, text=END_TEXT[view.end_reason])


def waiting(p: Position) -> Waiting:
    return Waiting(chat_id=p.chat_id, position=p.position, waited_s=p.waited_s, max_wait_s=p.max_wait_s,
                   est_wait_s=p.est_wait_s)


def agent_status(s: AgentStatusChanged) -> AgentStatus:
    return AgentStatus(
        on_duty=s.on_duty, presence=s.presence, routable=s.routable, open_chats=list(s.chats),
        capacity=s.capacity,
    )
