"""Rows the store keeps, as frozen values (no SQL outside the store)."""

from __future__ import annotations

from dataclasses import dataclass, field

from onduty.shared.types import BusinessContext, ChatState, EndReason, FileRef, RequestType, Role


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
class AuditEntry:
    at: float
    kind: str
    chat_id: str | None = None
    agent: str | None = None
    detail: dict[str, str] = field(default_factory=dict)
