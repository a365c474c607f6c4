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
    ChatInfo,
    ChatState,
    EndReason,
    Ident,
    Max,
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


# --- requestor -> server -------------------------------------------------------------


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
class Waiting(Message):
    """Place in the queue's waiting line (1 = next). Sent whenever it changes."""

    TYPE: ClassVar[str] = "waiting"
    chat_id: Ident
    position: int
    waited_s: float
    max_wait_s: float


@dataclass(frozen=True, slots=True)
class AgentJoined(Message):
    TYPE: ClassVar[str] = "agent_joined"
    chat_id: Ident
    agent_name: Name


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
    Hello, Login, Logout, SetDuty, SetPresence, Send, Ack, EndChat, CloseChat, ListChats, GetTranscript,
)
REQUESTOR_MESSAGES: tuple[type[Message], ...] = (Hello, RequestChat, ResumeChat, Send, Ack, EndChat)
CLIENT_MESSAGES: tuple[type[Message], ...] = tuple(dict.fromkeys(AGENT_MESSAGES + REQUESTOR_MESSAGES))
SERVER_MESSAGES: tuple[type[Message], ...] = (
    Welcome, Error, LoginOk, AgentStatus, ChatAssigned, ChatClosed, QueueStatus, ChatList, Transcript,
    ChatRequested, Waiting, AgentJoined, ChatRequeued, ChatMessage, Sent, ChatEnded,
)
ALL_MESSAGES: tuple[type[Message], ...] = CLIENT_MESSAGES + SERVER_MESSAGES
