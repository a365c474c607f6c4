"""Rows the store keeps, as frozen values (no SQL outside the store)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from onduty.server.core.cases import (
    Case,
    CaseHead,
    CaseMemo,
    Change,
    ExternalInfo,
    Interaction,
    Priority,
    Requestor,
    SlaEvent,
)
from onduty.server.core.roles import StaffRole
from onduty.server.core.sla import Timeline
from onduty.shared.types import (
    BusinessContext,
    ChatRating,
    ChatState,
    EndReason,
    FileRef,
    Memo,
    Presence,
    RequestType,
    Role,
)


@dataclass(frozen=True, slots=True)
class Append:
    """One queued ``append_message``: a chat message to store with the chat's next ``seq`` (see
    ``ChatStore.append_message``). Both stores' batch runners write a run of them together."""

    chat_id: str
    sender: Role
    sender_name: str
    text: str
    at: float
    client_msg_id: str | None
    file: FileRef | None = None


Rule = Callable[[CaseHead], tuple[CaseHead, list[Change]]]
"""A pure rule of :mod:`onduty.server.core.cases`; the store applies it inside the write that stores its result."""


@dataclass(frozen=True, slots=True)
class QueueRecord:
    name: str
    title: str = ""
    region: str = ""
    max_wait_s: float = 120.0
    anonymous: bool = True
    """B2C: anyone may ask. False (B2B): a site token is required."""


@dataclass(frozen=True, slots=True)
class AgentRecord:
    username: str
    display_name: str
    region: str
    lob: str
    queues: tuple[str, ...]
    password_hash: str
    capacity: int = 1
    created_at: float = 0.0
    phone: str = ""
    email: str = ""
    role: StaffRole = StaffRole.AGENT
    """``agent``, ``supervisor`` (of :attr:`supervises`) or ``admin`` (of every queue); see ``core/roles.py``."""
    supervises: tuple[str, ...] = ()
    """The queues a supervisor watches in the console (empty for agents; admins see every queue)."""


@dataclass(frozen=True, slots=True)
class StaffingAlertRecord:
    """A time a queue inside its staffed hours had nobody on duty (``kind``); ``ended_at`` None while it lasts."""

    alert_id: int
    queue: str
    kind: str
    started_at: float
    ended_at: float | None = None

    def duration_s(self, now: float) -> float:
        return max(0.0, (self.ended_at if self.ended_at is not None else now) - self.started_at)


@dataclass(frozen=True, slots=True)
class AgentState:
    """What an agent last chose in the tray, kept so a server restart restores it."""

    username: str
    on_duty: bool
    presence: Presence
    changed_at: float


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """A web site allowed to sign B2B requestor tokens with ``secret`` (HMAC-SHA256)."""

    name: str
    secret: str


@dataclass(frozen=True, slots=True)
class SessionRecord:
    token_hash: str
    username: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class ChatRecord:
    chat_id: str
    queue: str
    state: ChatState
    requestor_name: str
    request_type: RequestType
    requested_at: float
    resume_token_hash: str
    requestor_email: str | None = None
    requestor_id: str | None = None
    site: str | None = None
    context: tuple[BusinessContext, ...] = ()
    agent: str | None = None
    assigned_at: float | None = None
    ended_at: float | None = None
    closed_at: float | None = None
    end_reason: EndReason | None = None
    last_seq: int = 0


@dataclass(frozen=True, slots=True)
class StoredMessage:
    chat_id: str
    seq: int
    sender: Role
    sender_name: str
    text: str
    at: float
    client_msg_id: str | None = None
    file: FileRef | None = None


@dataclass(frozen=True, slots=True)
class FileRecord:
    """A stored upload; its bytes are in the data folder's ``files/<file_id>``."""

    file_id: str
    chat_id: str
    name: str
    size: int
    content_type: str
    sha256: str
    uploaded_by: str
    at: float

    def ref(self) -> FileRef:
        return FileRef(file_id=self.file_id, name=self.name, size=self.size, content_type=self.content_type)


@dataclass(frozen=True, slots=True)
class ImRecord:
    """An instant message between agents ``a`` < ``b``; ``seq`` counts per pair."""

    a: str
    b: str
    seq: int
    sender: str
    sender_name: str
    text: str
    at: float
    client_msg_id: str | None = None
    context: BusinessContext | None = None

    def peer_of(self, username: str) -> str:
        return self.b if username == self.a else self.a


@dataclass(frozen=True, slots=True)
class WhisperRecord:
    """A supervisor's whisper to a chat's agent, as stored (never shown to the requestor)."""

    whisper_id: int
    chat_id: str
    sender: str
    sender_name: str
    text: str
    at: float


@dataclass(frozen=True, slots=True)
class RatingRecord:
    """A chat's rating with what a supervisor report groups it by (the chat's queue and last agent)."""

    chat_id: str
    queue: str
    agent: str | None
    rating: ChatRating


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: float
    kind: str
    chat_id: str | None = None
    agent: str | None = None
    detail: dict[str, str] = field(default_factory=dict)


# ---- cases (issue 6) ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewCase:
    title: str
    description: str
    queue: str
    priority: Priority
    requestor: Requestor
    created_by: str
    at: float
    source: str
    """Recorded in the history: ``chat:<id>``, ``callback:<id>`` or ``api``."""
    chat_id: str | None = None
    callback_id: int | None = None
    site: str | None = None


@dataclass(frozen=True, slots=True)
class LinkedChat:
    """A chat that is part of a case: its record, transcript, memos and files."""

    record: ChatRecord
    messages: list[StoredMessage]
    memos: list[Memo]
    files: list[FileRecord]
    linked_at: float
    linked_by: str


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """Everything about one case, read in one snapshot."""

    case: Case
    chats: list[LinkedChat]
    infos: list[ExternalInfo]
    interactions: list[Interaction]
    memos: list[CaseMemo]
    history: list[Change]
    sla_events: list[SlaEvent]
    timeline: Timeline
