"""Colleagues (seed 002): the directory, mutual contacts with presence, and instant-message channels."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from onduty.shared.messages.base import Message
from onduty.shared.types import BusinessContext, Colleague, ContactPresence, Ident, Max, Name, Text

# --- agent -> server ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FindColleagues(Message):
    """Search the directory by name, username, queue or region (empty: everyone, up to ``limit``)."""

    TYPE: ClassVar[str] = "find_colleagues"
    query: Name = ""
    limit: int = 50


@dataclass(frozen=True, slots=True)
class AddContact(Message):
    """Mutual: adding B to my contacts puts me on B's."""

    TYPE: ClassVar[str] = "add_contact"
    username: Ident


@dataclass(frozen=True, slots=True)
class RemoveContact(Message):
    TYPE: ClassVar[str] = "remove_contact"
    username: Ident


@dataclass(frozen=True, slots=True)
class OpenChannel(Message):
    """Open an IM channel with a contact (at most ``MAX_CHANNELS`` at once); answers ``channel``."""

    TYPE: ClassVar[str] = "open_channel"
    peer: Ident


@dataclass(frozen=True, slots=True)
class CloseChannel(Message):
    TYPE: ClassVar[str] = "close_channel"
    peer: Ident


@dataclass(frozen=True, slots=True)
class ImSend(Message):
    """An instant message (and optionally a business context card) to a contact."""

    TYPE: ClassVar[str] = "im_send"
    peer: Ident
    client_msg_id: Ident
    text: Text
    context: BusinessContext | None = None


@dataclass(frozen=True, slots=True)
class ImAck(Message):
    """Everything from ``peer`` up to ``seq`` was received."""

    TYPE: ClassVar[str] = "im_ack"
    peer: Ident
    seq: int


@dataclass(frozen=True, slots=True)
class GetImHistory(Message):
    """A page of the channel with ``peer`` after ``after_seq`` (answers ``channel``)."""

    TYPE: ClassVar[str] = "get_im_history"
    peer: Ident
    after_seq: int = 0


MAX_CHANNELS = 5


# --- server -> agent ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Directory(Message):
    TYPE: ClassVar[str] = "directory"
    colleagues: Annotated[list[Colleague], Max(200)]


@dataclass(frozen=True, slots=True)
class Contacts(Message):
    """My whole contact list with presence; sent after login and whenever it changes."""

    TYPE: ClassVar[str] = "contacts"
    contacts: Annotated[list[Colleague], Max(200)]


@dataclass(frozen=True, slots=True)
class ContactStatus(Message):
    """One contact's presence changed."""

    TYPE: ClassVar[str] = "contact_status"
    username: Ident
    presence: ContactPresence


@dataclass(frozen=True, slots=True)
class ImMessage(Message):
    """An instant message in the channel with ``peer`` (the other agent). ``seq`` counts per channel."""

    TYPE: ClassVar[str] = "im_message"
    peer: Ident
    seq: int
    sender: Ident
    sender_name: Name
    text: Text
    at: float
    client_msg_id: Ident | None = None
    context: BusinessContext | None = None


@dataclass(frozen=True, slots=True)
class ImSent(Message):
    """Your ``im_send`` is stored as ``seq``: it will be delivered, now or at the peer's next sign-in."""

    TYPE: ClassVar[str] = "im_sent"
    peer: Ident
    client_msg_id: Ident
    seq: int
    at: float


@dataclass(frozen=True, slots=True)
class Channel(Message):
    """An open IM channel and a page of its history (``more``: ask again with ``get_im_history``)."""

    TYPE: ClassVar[str] = "channel"
    peer: Ident
    messages: Annotated[list[ImMessage], Max(100)]
    more: bool = False
    open_channels: Annotated[list[str], Max(5)] = field(default_factory=list)
