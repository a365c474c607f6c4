"""A running chat, the same for the agent and the requestor: messages, acks, typing, the end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from onduty.shared.messages.base import Message
from onduty.shared.types import ChatState, EndReason, FileRef, Ident, Max, Name, Role, Text

# --- either client -> server ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send(Message):
    """A chat message. ``client_msg_id`` makes resending after a reconnect safe."""

    TYPE: ClassVar[str] = "send"
    chat_id: Ident
    client_msg_id: Ident
    text: Text


@dataclass(frozen=True, slots=True)
class Ack(Message):
    """Everything up to and including ``seq`` of this chat was received."""

    TYPE: ClassVar[str] = "ack"
    chat_id: Ident
    seq: int


@dataclass(frozen=True, slots=True)
class Typing(Message):
    """The sender is typing (``active``) or stopped; relayed as ``peer_typing``, never stored."""

    TYPE: ClassVar[str] = "typing"
    chat_id: Ident
    active: bool = True


@dataclass(frozen=True, slots=True)
class EndChat(Message):
    """End a running chat (agent: the window stays open; requestor: leaves)."""

    TYPE: ClassVar[str] = "end_chat"
    chat_id: Ident


# --- server -> either client ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatMessage(Message):
    """One message of a chat with its server-assigned sequence number."""

    TYPE: ClassVar[str] = "message"
    chat_id: Ident
    seq: int
    sender: Role
    sender_name: Name
    text: Text
    at: float
    client_msg_id: Ident | None = None
    file: FileRef | None = None
    """An attachment uploaded with ``POST /api/chats/{chat_id}/files``; ``text`` is its caption."""


@dataclass(frozen=True, slots=True)
class PeerTyping(Message):
    """The other side of the chat is typing (``active``) or stopped."""

    TYPE: ClassVar[str] = "peer_typing"
    chat_id: Ident
    sender: Role
    name: Name
    active: bool = True


@dataclass(frozen=True, slots=True)
class Sent(Message):
    """Your ``send`` is stored as ``seq``: it will not be lost."""

    TYPE: ClassVar[str] = "sent"
    chat_id: Ident
    client_msg_id: Ident
    seq: int
    at: float


@dataclass(frozen=True, slots=True)
class ChatEnded(Message):
    """The conversation is over. ``text`` is what to show (e.g. "try again later")."""

    TYPE: ClassVar[str] = "chat_ended"
    chat_id: Ident
    reason: EndReason
    text: Annotated[str, Max(1024)] = ""
    state: ChatState = ChatState.ENDED
