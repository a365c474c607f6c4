"""Values the Qt tests build chats and agents from."""

from __future__ import annotations

from onduty.shared.messages import AgentStatus, ChatMessage, QueueStatus
from onduty.shared.types import (
    AgentProfile,
    BusinessContext,
    CannedMessage,
    ChatInfo,
    ChatState,
    Presence,
    RequestorInfo,
    RequestType,
    Role,
)

PROFILE = AgentProfile(username="ann", display_name="Ann Agent", region="EMEA", lob="CIM",
                       queues=["cim-emea", "cic"], capacity=1)
CANNED = [
    CannedMessage("cim-emea", "ps-lookingforexpert",
                  "Your question belongs to another expert area. Let me check if someone is available."),
    CannedMessage("cim-emea", "ps-gotocic", "Let me hand you over to CIC."),
    CannedMessage("cic", "ps-gotocic", "CIC's own version"),
    CannedMessage("cic", "/cic-hours", "CIC is open 24x7."),
]


def chat(chat_id: str = "c1", *, context: bool = True) -> ChatInfo:
    ctx = [BusinessContext("incident", "4711", "Printer on fire", {"priority": "very high"})] if context else []
    return ChatInfo(
        chat_id=chat_id, queue="cim-emea", state=ChatState.ACTIVE,
        requestor=RequestorInfo(name="Rita Requestor", email="rita@example.com"),
        request_type=RequestType.PROCESSOR_ASSIGNMENT, context=ctx, created_at=1_800_000_000.0, agent="ann",
    )


def status(
    *, on_duty: bool = True, presence: Presence = Presence.AVAILABLE, chats: tuple[str, ...] = ()
) -> AgentStatus:
    return AgentStatus(on_duty=on_duty, presence=presence, routable=on_duty and not chats,
                       open_chats=list(chats), capacity=1)


def queue(name: str = "cim-emea", waiting: int = 0, on_duty: int = 1, callbacks: int = 0) -> QueueStatus:
    return QueueStatus(queue=name, waiting=waiting, on_duty=on_duty, routable=0, callbacks=callbacks)


def message(seq: int, text: str, sender: Role = Role.REQUESTOR, chat_id: str = "c1") -> ChatMessage:
    name = "Rita Requestor" if sender is Role.REQUESTOR else "Ann Agent"
    return ChatMessage(chat_id=chat_id, seq=seq, sender=sender, sender_name=name, text=text,
                       at=1_800_000_000.0 + seq)
