"""Warm handover (seed 001): a discussion between two agents about a chat, then the transfer;
or a cold transfer to a queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from onduty.shared.messages.base import Message
from onduty.shared.types import ChatInfo, Colleague, DiscussionInfo, Ident, Max, Name, QueueAvailability, Text

# --- agent -> server ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetPartners(Message):
    """For the discussion partner picker: every queue's availability and my contacts."""

    TYPE: ClassVar[str] = "get_partners"


@dataclass(frozen=True, slots=True)
class Discuss(Message):
    """Offer a discussion about my chat to a routable agent of ``queue`` or to ``colleague`` (one of the two)."""

    TYPE: ClassVar[str] = "discuss"
    chat_id: Ident
    queue: Ident | None = None
    colleague: Ident | None = None


@dataclass(frozen=True, slots=True)
class AnswerDiscussion(Message):
    """The receiver accepts (confirms the area) or declines."""

    TYPE: ClassVar[str] = "answer_discussion"
    discussion_id: Ident
    accept: bool


@dataclass(frozen=True, slots=True)
class DiscussionSay(Message):
    """A message between the two agents of a discussion (never shown to the requestor)."""

    TYPE: ClassVar[str] = "discussion_say"
    discussion_id: Ident
    client_msg_id: Ident
    text: Text


@dataclass(frozen=True, slots=True)
class CancelDiscussion(Message):
    TYPE: ClassVar[str] = "cancel_discussion"
    discussion_id: Ident


@dataclass(frozen=True, slots=True)
class Transfer(Message):
    """Move the chat to the receiver of an accepted discussion (refused before acceptance)."""

    TYPE: ClassVar[str] = "transfer"
    discussion_id: Ident


@dataclass(frozen=True, slots=True)
class ColdTransfer(Message):
    """Fallback chosen explicitly: put my chat at the head of ``queue``'s line, no discussion."""

    TYPE: ClassVar[str] = "cold_transfer"
    chat_id: Ident
    queue: Ident


# --- server -> agent ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Partners(Message):
    TYPE: ClassVar[str] = "partners"
    queues: Annotated[list[QueueAvailability], Max(200)]
    contacts: Annotated[list[Colleague], Max(200)]


@dataclass(frozen=True, slots=True)
class DiscussionOffer(Message):
    """To the receiver: a colleague wants to hand this chat over; read it, talk, then answer."""

    TYPE: ClassVar[str] = "discussion_offer"
    discussion: DiscussionInfo
    chat: ChatInfo


@dataclass(frozen=True, slots=True)
class DiscussionUpdate(Message):
    """To both agents of a discussion, at every change of its state; ``text`` in each one's own words."""

    TYPE: ClassVar[str] = "discussion_update"
    discussion: DiscussionInfo
    text: Annotated[str, Max(1024)] = ""


@dataclass(frozen=True, slots=True)
class DiscussionMessage(Message):
    TYPE: ClassVar[str] = "discussion_message"
    discussion_id: Ident
    seq: int
    sender: Ident
    sender_name: Name
    text: Text
    at: float
    client_msg_id: Ident | None = None
