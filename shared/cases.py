"""The vocabulary of case records (seed 003), shared by the server's cases API and its clients.

The API is HTTP JSON (docs/cases.md); these are the string values its fields take.
"""

from __future__ import annotations

from enum import StrEnum


class CaseState(StrEnum):
    NEW = "new"
    IN_PROCESS = "in_process"
    AWAITING_INFO = "awaiting_info"
    """On the customer's side: an action is expected from them (after Save Reply)."""
    SOLVED = "solved"
    CLOSED = "closed"


OPEN_STATES = frozenset({CaseState.NEW, CaseState.IN_PROCESS, CaseState.AWAITING_INFO})


class Priority(StrEnum):
    VERY_HIGH = "very_high"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class SendMode(StrEnum):
    """How an External Info is sent (seed 003)."""

    SAVE = "save"
    """Customer informed, no answer needed; state unchanged."""
    SAVE_REPLY = "save_reply"
    """Customer informed and an action is expected; state becomes Awaiting Info."""


class InfoKind(StrEnum):
    """An entry of the External Info conversation."""

    SAVE = "save"
    SAVE_REPLY = "save_reply"
    ANSWER = "answer"
    """The customer's answer (from the case page)."""


class InteractionType(StrEnum):
    PHONE = "phone"
    EMAIL = "email"


class Direction(StrEnum):
    INBOUND = "inbound"
    """The customer called or wrote."""
    OUTBOUND = "outbound"


class ClockKind(StrEnum):
    IRT = "irt"
    ORT = "ort"


class ClockStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    """ORT while the case is Awaiting Info."""
    STOPPED = "stopped"
