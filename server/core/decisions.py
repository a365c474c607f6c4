"""What the router decided; the shell performs each (persist, send, log)."""

from __future__ import annotations

from dataclasses import dataclass

from onduty.shared.types import DiscussionState, EndReason, Presence


@dataclass(frozen=True, slots=True)
class Decision:
    pass


@dataclass(frozen=True, slots=True)
class Assign(Decision):
    """Open the chat's window at ``agent``; tell the requestor who joined. ``handed_by``: the agent who
    transferred it (cold) into the line it came from."""

    chat_id: str
    agent: str
    waited_s: float
    handed_by: str | None = None


@dataclass(frozen=True, slots=True)
class Activated(Decision):
    """The agent replied for the first time: the chat is active (persist the state)."""

    chat_id: str


@dataclass(frozen=True, slots=True)
class Position(Decision):
    """The chat waits in its queue's line at ``position`` (1 = next)."""

    chat_id: str
    position: int
    waited_s: float
    max_wait_s: float
    est_wait_s: float | None = None


@dataclass(frozen=True, slots=True)
class Requeue(Decision):
    """``agent`` did not come back in time: the chat is back at the head of the line."""

    chat_id: str
    agent: str


@dataclass(frozen=True, slots=True)
class End(Decision):
    """The conversation is over; ``agent`` (if any) still holds the window."""

    chat_id: str
    reason: EndReason
    agent: str | None


@dataclass(frozen=True, slots=True)
class Close(Decision):
    """The chat is finished for the router; ``agent`` (if any) has its capacity back."""

    chat_id: str
    agent: str | None


@dataclass(frozen=True, slots=True)
class AgentStatusChanged(Decision):
    username: str
    connected: bool
    on_duty: bool
    presence: Presence
    routable: bool
    chats: tuple[str, ...]
    capacity: int


@dataclass(frozen=True, slots=True)
class QueueStatusChanged(Decision):
    queue: str
    waiting: int
    on_duty: int
    routable: int


@dataclass(frozen=True, slots=True)
class DiscussionChanged(Decision):
    """Tell the discussion's agents its new state (``receiver`` None: nobody was available)."""

    discussion_id: str
    chat_id: str
    sender: str
    receiver: str | None
    queue: str | None
    state: DiscussionState
    expires_at: float | None = None


@dataclass(frozen=True, slots=True)
class Transferred(Decision):
    """The chat left ``from_agent``: to ``to_agent`` (warm), or into ``queue``'s line (cold, ``to_agent`` None)."""

    chat_id: str
    from_agent: str
    to_agent: str | None
    queue: str
