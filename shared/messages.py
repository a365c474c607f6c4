"""Every wire message, defined once.

A frame is one msgpack map: ``{"t": <type>, <field>: <value>, ...}``. Each class below
is one ``t``; its fields are the map's other keys. ``CLIENT_MESSAGES`` are what a client
may send, ``SERVER_MESSAGES`` what the server sends. docs/protocol.md describes the
sequences they form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from onduty.shared.errors import ErrorCode
from onduty.shared.types import (
    AgentProfile,
    BusinessContext,
    CallbackInfo,
    CannedMessage,
    ChatInfo,
    ChatState,
    EndReason,
    FileRef,
    Ident,
    Max,
    Memo,
    Name,
    Presence,
    RequestType,
    Role,
    Text,
    Token,
)


@dataclass(frozen=True, slots=True)
class Message:
    """Base of all wire messages; ``TYPE`` is the value of the ``t`` key."""

    TYPE: ClassVar[str] = ""


# --- both directions / session -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hello(Message):
    """First frame from a client on either endpoint."""

    TYPE: ClassVar[str] = "hello"
    protocol: int
    client: Name = ""


@dataclass(frozen=True, slots=True)
class Welcome(Message):
    TYPE: ClassVar[str] = "welcome"
    protocol: int
    server: Name
    max_frame: int
    heartbeat_s: float


@dataclass(frozen=True, slots=True)
class Error(Message):
    """Something the peer sent was refused. ``ref`` is the ``t`` of that message, if known."""

    TYPE: ClassVar[str] = "error"
    code: ErrorCode
    detail: Annotated[str, Max(1024)] = ""
    ref: Ident | None = None


# --- agent -> server -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Login(Message):
    """Agent sign-in with a password or a session token from an earlier ``login_ok``.

    ``cursors`` maps chat ids the client already knows to the last sequence number it
    received; open chats are resumed after those numbers (all messages when absent).
    """

    TYPE: ClassVar[str] = "login"
    username: Ident
    password: Annotated[str, Max(1024)] | None = None
    token: Token | None = None
    cursors: Annotated[dict[str, int], Max(64)] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Logout(Message):
    """Revoke the session token and go offline."""

    TYPE: ClassVar[str] = "logout"


@dataclass(frozen=True, slots=True)
class SetDuty(Message):
    TYPE: ClassVar[str] = "set_duty"
    on_duty: bool


@dataclass(frozen=True, slots=True)
class SetPresence(Message):
    TYPE: ClassVar[str] = "set_presence"
    presence: Presence


@dataclass(frozen=True, slots=True)
class CloseChat(Message):
    """The agent closed the chat window: ends the chat if still running, frees capacity."""

    TYPE: ClassVar[str] = "close_chat"
    chat_id: Ident


@dataclass(frozen=True, slots=True)
class ListChats(Message):
    """Past and open chats of the agent's queues, newest first."""

    TYPE: ClassVar[str] = "list_chats"
    queue: Ident | None = None
    query: Name | None = None
    before: float | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class GetTranscript(Message):
    """One page of a chat's messages after ``after_seq``; ask again while ``more`` is true."""

    TYPE: ClassVar[str] = "get_transcript"
    chat_id: Ident
    after_seq: int = 0


@dataclass(frozen=True, slots=True)
class GetCanned(Message):
    """Ask for the canned messages of the agent's queues (also pushed after ``login_ok``)."""

    TYPE: ClassVar[str] = "get_canned"


@dataclass(frozen=True, slots=True)
class SaveMemo(Message):
    """Store an internal memo with a chat record (never shown to the requestor)."""

    TYPE: ClassVar[str] = "save_memo"
    chat_id: Ident
    text: Text


@dataclass(frozen=True, slots=True)
class ListCallbacks(Message):
    """Callback / e-mail requests left in the agent's queues, newest first."""

    TYPE: ClassVar[str] = "list_callbacks"
    queue: Ident | None = None
    limit: int = 50


# --- requestor -> server -------------------------------------------------------------


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


# --- either client -> server ---------------------------------------------------------


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


# --- server -> agent -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginOk(Message):
    TYPE: ClassVar[str] = "login_ok"
    token: Token
    expires_at: float
    profile: AgentProfile


@dataclass(frozen=True, slots=True)
class AgentStatus(Message):
    """The agent's own state as the router sees it; sent after every change."""

    TYPE: ClassVar[str] = "agent_status"
    on_duty: bool
    presence: Presence
    routable: bool
    open_chats: Annotated[list[str], Max(64)]
    capacity: int


@dataclass(frozen=True, slots=True)
class ChatAssigned(Message):
    """A chat for this agent: open its window. ``resumed`` after a reconnect."""

    TYPE: ClassVar[str] = "chat_assigned"
    chat: ChatInfo
    waited_s: float
    resumed: bool = False


@dataclass(frozen=True, slots=True)
class ChatClosed(Message):
    """The chat's window is closed on the server's side; its capacity is free again."""

    TYPE: ClassVar[str] = "chat_closed"
    chat_id: Ident


@dataclass(frozen=True, slots=True)
class QueueStatus(Message):
    """Line length and staffing of one of the agent's queues."""

    TYPE: ClassVar[str] = "queue_status"
    queue: Ident
    waiting: int
    on_duty: int
    routable: int
    callbacks: int = 0
    """Open callback / e-mail requests of the queue."""


@dataclass(frozen=True, slots=True)
class ChatList(Message):
    TYPE: ClassVar[str] = "chat_list"
    chats: Annotated[list[ChatInfo], Max(200)]


@dataclass(frozen=True, slots=True)
class Transcript(Message):
    """A page of at most ``TRANSCRIPT_PAGE`` messages (fewer if they are long); ``more``: ask again."""

    TYPE: ClassVar[str] = "transcript"
    chat: ChatInfo
    messages: Annotated[list[ChatMessage], Max(100)]
    more: bool = False
    memos: Annotated[list[Memo], Max(50)] = field(default_factory=list)
    """The chat's internal memos (agents only; on the first page, ``after_seq`` 0)."""


@dataclass(frozen=True, slots=True)
class CannedList(Message):
    TYPE: ClassVar[str] = "canned_list"
    items: Annotated[list[CannedMessage], Max(256)]


@dataclass(frozen=True, slots=True)
class MemoSaved(Message):
    TYPE: ClassVar[str] = "memo_saved"
    chat_id: Ident
    memo: Memo


@dataclass(frozen=True, slots=True)
class CallbackList(Message):
    TYPE: ClassVar[str] = "callback_list"
    items: Annotated[list[CallbackInfo], Max(200)]


TRANSCRIPT_PAGE = 100
TRANSCRIPT_PAGE_CHARS = 32_000


# --- server -> requestor -------------------------------------------------------------


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


# --- server -> either ----------------------------------------------------------------


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


AGENT_MESSAGES: tuple[type[Message], ...] = (
    Hello, Login, Logout, SetDuty, SetPresence, Send, Ack, Typing, EndChat, CloseChat, ListChats, GetTranscript,
    GetCanned, SaveMemo, ListCallbacks,
)
REQUESTOR_MESSAGES: tuple[type[Message], ...] = (
    Hello, GetQueueInfo, RequestChat, ResumeChat, LeaveCallback, Send, Ack, Typing, EndChat,
)
CLIENT_MESSAGES: tuple[type[Message], ...] = tuple(dict.fromkeys(AGENT_MESSAGES + REQUESTOR_MESSAGES))
SERVER_MESSAGES: tuple[type[Message], ...] = (
    Welcome, Error, LoginOk, AgentStatus, ChatAssigned, ChatClosed, QueueStatus, ChatList, Transcript,
    CannedList, MemoSaved, CallbackList, QueueInfo, CallbackSaved, ChatRequested, Waiting, AgentJoined,
    ChatRequeued, ChatMessage, PeerTyping, Sent, ChatEnded,
)
ALL_MESSAGES: tuple[type[Message], ...] = CLIENT_MESSAGES + SERVER_MESSAGES
