"""The agent's session and desk: sign-in, duty and presence, assigned chats, history, canned
messages, memos and callback requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from onduty.shared.messages.base import Message
from onduty.shared.messages.chat import ChatMessage
from onduty.shared.types import (
    CALLBACK_NOTE_MAX,
    AgentProfile,
    CallbackInfo,
    CallbackOutcome,
    CannedMessage,
    ChatInfo,
    ChatRating,
    Ident,
    Max,
    Memo,
    Name,
    Omit,
    Presence,
    Text,
    Token,
)

# --- agent -> server ------------------------------------------------------------------------------


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
    done: bool = False
    """Also the callback requests that are done (newest first, like the others)."""


@dataclass(frozen=True, slots=True)
class ClaimCallback(Message):
    """Take a callback request of the agent's queues: its other agents see who has it (``callback_update``)."""

    TYPE: ClassVar[str] = "claim_callback"
    callback_id: int


@dataclass(frozen=True, slots=True)
class FinishCallback(Message):
    """Mark a callback request done with how it went (and a note); it leaves the open list."""

    TYPE: ClassVar[str] = "finish_callback"
    callback_id: int
    outcome: CallbackOutcome
    note: Annotated[str, Max(CALLBACK_NOTE_MAX)] | None = None


# --- server -> agent ------------------------------------------------------------------------------


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
    rating: Annotated[ChatRating | None, Omit(since=3)] = None
    """How the requestor rated the chat (first page only; nil: not rated)."""


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


@dataclass(frozen=True, slots=True)
class CallbackUpdate(Message):
    """A callback request of one of the agent's queues was claimed, done, or went back to open."""

    TYPE: ClassVar[str] = "callback_update"
    item: CallbackInfo


TRANSCRIPT_PAGE = 100


TRANSCRIPT_PAGE_CHARS = 32_000
