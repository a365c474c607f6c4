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
    Colleague,
    ContactPresence,
    DiscussionInfo,
    EndReason,
    FileRef,
    Ident,
    Max,
    Memo,
    Name,
    Omit,
    Presence,
    QueueAvailability,
    RequestType,
    Role,
    Text,
    Token,
)

RequestId = Annotated[str | None, Max(64), Omit()]


@dataclass(frozen=True, slots=True)
class Message:
    """Base of all wire messages; ``TYPE`` is the value of the ``t`` key.

    ``req`` (protocol 2) is a request id the client chooses; the server echoes it in the one frame
    that answers that request (see :data:`REPLIES`) and in any ``error`` about it. It is left out
    of a frame while None.
    """

    TYPE: ClassVar[str] = ""
    req: RequestId = field(default=None, kw_only=True)


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
    """Something the peer sent was refused. ``ref`` is the ``t`` of that message, if known; ``req`` its
    request id; ``client_msg_id`` that of a refused ``send``, ``im_send`` or ``discussion_say`` (protocol 2)."""

    TYPE: ClassVar[str] = "error"
    code: ErrorCode
    detail: Annotated[str, Max(1024)] = ""
    ref: Ident | None = None
    client_msg_id: Annotated[str | None, Max(64), Omit()] = None


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


# --- agent -> server: warm handover (seed 001) -----------------------------------------


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


# --- agent -> server: colleagues and instant messages (seed 002) ----------------------


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
    transferred_from: Name | None = None
    """The agent who handed this chat over (warm or cold transfer)."""


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
    """To both agents of a discussion, at every change of its state."""

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
    GetCanned, SaveMemo, ListCallbacks, GetPartners, Discuss, AnswerDiscussion, DiscussionSay, CancelDiscussion,
    Transfer, ColdTransfer, FindColleagues, AddContact, RemoveContact, OpenChannel, CloseChannel, ImSend, ImAck,
    GetImHistory,
)
REQUESTOR_MESSAGES: tuple[type[Message], ...] = (
    Hello, GetQueueInfo, RequestChat, ResumeChat, LeaveCallback, Send, Ack, Typing, EndChat,
)
CLIENT_MESSAGES: tuple[type[Message], ...] = tuple(dict.fromkeys(AGENT_MESSAGES + REQUESTOR_MESSAGES))
SERVER_MESSAGES: tuple[type[Message], ...] = (
    Welcome, Error, LoginOk, AgentStatus, ChatAssigned, ChatClosed, QueueStatus, ChatList, Transcript,
    CannedList, MemoSaved, CallbackList, Partners, DiscussionOffer, DiscussionUpdate, DiscussionMessage, Directory,
    Contacts, ContactStatus, ImMessage, ImSent, Channel, QueueInfo, CallbackSaved, ChatRequested, Waiting, AgentJoined,
    ChatRequeued, ChatMessage, PeerTyping, Sent, ChatEnded,
)
ALL_MESSAGES: tuple[type[Message], ...] = CLIENT_MESSAGES + SERVER_MESSAGES

REPLIES: dict[type[Message], type[Message] | None] = {
    Hello: Welcome, Login: LoginOk, Logout: None, SetDuty: AgentStatus, SetPresence: AgentStatus, Send: Sent,
    Ack: None, Typing: None, EndChat: ChatEnded, CloseChat: ChatClosed, ListChats: ChatList,
    GetTranscript: Transcript, GetCanned: CannedList, SaveMemo: MemoSaved, ListCallbacks: CallbackList,
    GetPartners: Partners, Discuss: DiscussionUpdate, AnswerDiscussion: DiscussionUpdate,
    DiscussionSay: DiscussionMessage, CancelDiscussion: DiscussionUpdate, Transfer: DiscussionUpdate,
    ColdTransfer: ChatClosed, FindColleagues: Directory, AddContact: Contacts, RemoveContact: Contacts,
    OpenChannel: Channel, CloseChannel: None, ImSend: ImSent, ImAck: None, GetImHistory: Channel,
    GetQueueInfo: QueueInfo, RequestChat: ChatRequested, ResumeChat: ChatRequested, LeaveCallback: CallbackSaved,
}
"""The frame that answers each client request (protocol 2: it carries the request's ``req``); None: no reply
on success, only an ``error`` (with ``req``) on failure."""
