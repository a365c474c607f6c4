"""What happened, as the router sees it: small frozen values, each stamped with ``at``.

The shell turns frames, connection changes and timer ticks into these; feeding the same
events to a fresh :class:`~onduty.server.core.router.Router` rebuilds the same state.
"""

from __future__ import annotations

from dataclasses import dataclass

from onduty.shared.types import ChatState, EndReason, Presence


@dataclass(frozen=True, slots=True)
class Event:
    at: float


@dataclass(frozen=True, slots=True)
class QueueConfigured(Event):
    queue: str
    max_wait_s: float


@dataclass(frozen=True, slots=True)
class AgentConfigured(Event):
    username: str
    queues: tuple[str, ...]
    capacity: int = 1


@dataclass(frozen=True, slots=True)
class AgentConnected(Event):
    username: str


@dataclass(frozen=True, slots=True)
class AgentDisconnected(Event):
    """Connection lost (``signed_out`` False: grace period) or signed out (no grace)."""

    username: str
    signed_out: bool = False


@dataclass(frozen=True, slots=True)
class DutySet(Event):
    username: str
    on_duty: bool


@dataclass(frozen=True, slots=True)
class PresenceSet(Event):
    username: str
    presence: Presence


@dataclass(frozen=True, slots=True)
class ChatRequested(Event):
    chat_id: str
    queue: str
    prefer: str | None = None
    """"Chat again with the same agent": this agent gets it if routable in the queue."""


@dataclass(frozen=True, slots=True)
class AgentReplied(Event):
    """The agent sent a message in the chat: assigned -> active."""

    chat_id: str
    username: str


@dataclass(frozen=True, slots=True)
class RequestorDisconnected(Event):
    chat_id: str


@dataclass(frozen=True, slots=True)
class RequestorReconnected(Event):
    chat_id: str


@dataclass(frozen=True, slots=True)
class RequestorEnded(Event):
    chat_id: str


@dataclass(frozen=True, slots=True)
class AgentEnded(Event):
    chat_id: str
    username: str


@dataclass(frozen=True, slots=True)
class AgentClosed(Event):
    """The agent closed the chat window."""

    chat_id: str
    username: str


@dataclass(frozen=True, slots=True)
class ChatRestored(Event):
    """After a server restart: an open chat from the store, every peer disconnected."""

    chat_id: str
    queue: str
    state: ChatState
    agent: str | None
    requested_at: float
    assigned_at: float | None = None
    ended_at: float | None = None
    end_reason: EndReason | None = None


@dataclass(frozen=True, slots=True)
class AgentRestored(Event):
    """After a server restart: an agent that was On Duty (or not Available) when the server stopped.

    It is not connected; it keeps duty and presence for the grace period, as after a dropped connection.
    """

    username: str
    queues: tuple[str, ...]
    capacity: int
    on_duty: bool
    presence: Presence


@dataclass(frozen=True, slots=True)
class Tick(Event):
    """Time passed: deadlines at or before ``at`` fire."""


# --- warm handover (seed 001) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DiscussionRequested(Event):
    """``sender`` offers its chat to a routable agent of ``queue``, or to ``colleague``."""

    discussion_id: str
    chat_id: str
    sender: str
    queue: str | None = None
    colleague: str | None = None


@dataclass(frozen=True, slots=True)
class DiscussionAnswered(Event):
    discussion_id: str
    username: str
    accept: bool


@dataclass(frozen=True, slots=True)
class DiscussionCancelled(Event):
    discussion_id: str
    username: str


@dataclass(frozen=True, slots=True)
class TransferRequested(Event):
    """The sender moves the chat to the receiver of its accepted discussion."""

    discussion_id: str
    username: str


@dataclass(frozen=True, slots=True)
class ColdTransferRequested(Event):
    """The agent puts its chat back into ``queue``'s line (head), no discussion."""

    chat_id: str
    username: str
    queue: str
