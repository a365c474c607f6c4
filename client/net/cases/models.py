"""The cases API's answers as frozen values: a case, its summary in a list, its SLA clocks, linked
chats, external infos, interactions, memos and history; and the list's query options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from onduty.shared.cases import CaseState, ClockKind, ClockStatus, Direction, InfoKind, InteractionType, Priority
from onduty.shared.types import ChatRating


@dataclass(frozen=True, slots=True)
class SlaClock:
    """One response-time clock as the server computed it at ``fetched_at`` (business seconds)."""

    kind: ClockKind
    status: ClockStatus
    target_s: float
    elapsed_s: float
    remaining_s: float
    due_at: float | None
    """When the target is reached if the clock keeps running (the breach instant once breached)."""
    breached_at: float | None
    warning: bool

    @property
    def breached(self) -> bool:
        return self.breached_at is not None


@dataclass(frozen=True, slots=True)
class CaseRequestor:
    name: str
    email: str | None
    phone: str | None
    verified_id: str | None


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A case as the list shows it (no chats, infos, interactions, memos, history)."""

    number: int
    title: str
    description: str
    queue: str
    priority: Priority
    state: CaseState
    owner: str | None
    requestor: CaseRequestor
    created_at: float
    created_by: str
    updated_at: float
    first_response_at: float | None
    irt: SlaClock
    ort: SlaClock
    next_due_at: float | None
    sla_warning: bool
    sla_breached: bool

    @property
    def clocks(self) -> tuple[SlaClock, SlaClock]:
        return (self.irt, self.ort)


@dataclass(frozen=True, slots=True)
class CaseMessage:
    seq: int
    sender: str
    sender_name: str
    text: str
    at: float
    file_id: str | None


@dataclass(frozen=True, slots=True)
class CaseNote:
    """A memo (of a chat or of the case): internal, never shown to the customer."""

    memo_id: int
    author: str
    text: str
    at: float


@dataclass(frozen=True, slots=True)
class CaseFile:
    file_id: str
    name: str
    size: int
    content_type: str
    uploaded_by: str
    at: float


@dataclass(frozen=True, slots=True)
class CaseContext:
    kind: str
    id: str
    title: str
    fields: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class LinkedChat:
    chat_id: str
    queue: str
    requestor_name: str
    request_type: str
    requested_at: float
    agent: str | None
    ended_at: float | None
    linked_at: float
    linked_by: str
    context: tuple[CaseContext, ...]
    messages: tuple[CaseMessage, ...]
    memos: tuple[CaseNote, ...]
    files: tuple[CaseFile, ...]
    rating: ChatRating | None = None
    """How the requestor rated the chat (None: not rated)."""


@dataclass(frozen=True, slots=True)
class ExternalInfo:
    info_id: int
    kind: InfoKind
    author: str
    author_name: str
    text: str
    at: float
    mail: str
    """``sent``, ``outbox``, ``failed``, ``no_address`` or empty (answers)."""


@dataclass(frozen=True, slots=True)
class NewInteraction:
    """A phone call or e-mail to document (Option B of seed 003)."""

    type: InteractionType
    direction: Direction
    contact: str
    summary: str
    started_at: float
    ended_at: float


@dataclass(frozen=True, slots=True)
class InteractionRecord:
    interaction_id: int
    type: InteractionType
    direction: Direction
    contact: str
    summary: str
    started_at: float
    ended_at: float
    author: str
    at: float


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: float
    actor: str
    what: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class SlaEvent:
    clock: str
    kind: str
    at: float


@dataclass(frozen=True, slots=True)
class Case(CaseSummary):
    """A whole case (``GET /api/cases/{number}`` and every change's answer)."""

    chats: tuple[LinkedChat, ...]
    external_infos: tuple[ExternalInfo, ...]
    interactions: tuple[InteractionRecord, ...]
    memos: tuple[CaseNote, ...]
    history: tuple[HistoryEntry, ...]
    sla_events: tuple[SlaEvent, ...]


@dataclass(frozen=True, slots=True)
class CaseList:
    cases: tuple[CaseSummary, ...]
    now: float
    """The server's time when it computed the clocks."""


class Scope(StrEnum):
    QUEUES = "queues"
    """The cases of all my queues."""
    MINE = "mine"
    """The cases I own."""


class SlaFilter(StrEnum):
    WARNING = "warning"
    BREACHED = "breached"
    ANY = "any"

