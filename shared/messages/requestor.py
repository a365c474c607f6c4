"""The requestor's side before and around a chat: queue info, the request, callbacks, resuming,
the waiting line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from onduty.shared.messages.base import Message
from onduty.shared.types import (
    RATING_COMMENT_MAX,
    BusinessContext,
    ChatRating,
    Ident,
    Max,
    Name,
    RequestType,
    Text,
    Token,
)

# --- requestor -> server --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GetQueueInfo(Message):
    """Before requesting: is anyone on duty in ``queue``, how long is the line?"""

    TYPE: ClassVar[str] = "get_queue_info"
    queue: Ident


@dataclass(frozen=True, slots=True)
class RequestChat(Message):
    """A requestor asks for a chat in ``queue``. ``text`` becomes the first message."""

    TYPE: ClassVar[str] = "request_chat"
    queue: Ident
    name: Name
    request_type: RequestType = RequestType.OTHER
    email: Annotated[str, Max(254)] | None = None
    text: Text | None = None
    client_msg_id: Ident | None = None
    context: Annotated[list[BusinessContext], Max(8)] = field(default_factory=list)
    site_token: Token | None = None
    previous_chat_id: Ident | None = None
    """"Chat again with the same agent": an earlier chat of this requestor, proven by
    ``previous_token`` (its resume token); routing prefers its agent when routable."""
    previous_token: Token | None = None


@dataclass(frozen=True, slots=True)
class LeaveCallback(Message):
    """Instead of waiting (or after "try again later"): call me back or write to me.

    At least one of ``phone`` and ``email``. ``chat_id``: the dropped chat, if any."""

    TYPE: ClassVar[str] = "leave_callback"
    queue: Ident
    name: Name
    text: Text
    phone: Annotated[str, Max(64)] | None = None
    email: Annotated[str, Max(254)] | None = None
    request_type: RequestType = RequestType.OTHER
    context: Annotated[list[BusinessContext], Max(8)] = field(default_factory=list)
    chat_id: Ident | None = None
    site_token: Token | None = None


@dataclass(frozen=True, slots=True)
class ResumeChat(Message):
    """Reattach to a chat after a dropped connection (within the grace period)."""

    TYPE: ClassVar[str] = "resume_chat"
    chat_id: Ident
    resume_token: Token
    after_seq: int | None = None


@dataclass(frozen=True, slots=True)
class RateChat(Message):
    """After the chat ended: how was it, 1 to 5, and an optional comment. Once per chat.

    ``resume_token``: the chat's, when rating over another connection than the chat's own (the widget lets
    its connection go at the chat's end)."""

    TYPE: ClassVar[str] = "rate_chat"
    chat_id: Ident
    rating: int
    comment: Annotated[str, Max(RATING_COMMENT_MAX)] | None = None
    resume_token: Token | None = None


# --- server -> requestor --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChatRequested(Message):
    """The request is stored; keep ``resume_token`` to reattach after a dropped connection."""

    TYPE: ClassVar[str] = "chat_requested"
    chat_id: Ident
    queue: Ident
    resume_token: Token


@dataclass(frozen=True, slots=True)
class QueueInfo(Message):
    """Answer to ``get_queue_info``. ``open``: at least one agent of the queue is on duty."""

    TYPE: ClassVar[str] = "queue_info"
    queue: Ident
    open: bool
    on_duty: int
    waiting: int
    max_wait_s: float
    est_wait_s: float | None = None


@dataclass(frozen=True, slots=True)
class CallbackSaved(Message):
    TYPE: ClassVar[str] = "callback_saved"
    callback_id: int
    queue: Ident


@dataclass(frozen=True, slots=True)
class ChatRated(Message):
    """The rating is stored with the chat."""

    TYPE: ClassVar[str] = "chat_rated"
    chat_id: Ident
    rating: ChatRating


@dataclass(frozen=True, slots=True)
class Waiting(Message):
    """Place in the queue's waiting line (1 = next). Sent whenever it changes.

    ``est_wait_s``: expected time until an agent joins, from recent assignments (None: unknown)."""

    TYPE: ClassVar[str] = "waiting"
    chat_id: Ident
    position: int
    waited_s: float
    max_wait_s: float
    est_wait_s: float | None = None


@dataclass(frozen=True, slots=True)
class AgentJoined(Message):
    TYPE: ClassVar[str] = "agent_joined"
    chat_id: Ident
    agent_name: Name
    transferred: bool = False
    """True when the chat moved to this agent from another one ("you are now talking to ...")."""


@dataclass(frozen=True, slots=True)
class ChatRequeued(Message):
    """The agent's connection was lost: the chat is back at the head of the line."""

    TYPE: ClassVar[str] = "chat_requeued"
    chat_id: Ident
