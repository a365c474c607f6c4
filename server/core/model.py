"""The router's state: agent seats, chats, waiting lines and the deadline heap."""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass, field

from onduty.shared.types import ChatState, DiscussionState, EndReason, Presence

TIER_RETURNED, TIER_NEW = 0, 1
"""Line tiers: chats that lost or left their agent go ahead of new requests."""


@dataclass(frozen=True, slots=True)
class RouterConfig:
    """Timing rules. Per-queue waiting limits come with ``QueueConfigured``."""

    agent_grace_s: float = 60.0
    requestor_grace_s: float = 60.0
    discussion_timeout_s: float = 60.0
    """A handover discussion nobody accepts within this comes back as "nobody available"."""


@dataclass(slots=True)
class Seat:
    """One agent as the router sees it."""

    username: str
    queues: tuple[str, ...] = ()
    capacity: int = 1
    connected: bool = False
    on_duty: bool = False
    presence: Presence = Presence.AVAILABLE
    chats: list[str] = field(default_factory=list)
    free_since: float = 0.0
    lost_deadline: float | None = None
    reserved: set[str] = field(default_factory=set)
    """Handover discussions offered to this agent: each holds a place of its capacity."""

    @property
    def routable(self) -> bool:
        return (
            self.connected
            and self.on_duty
            and self.presence is Presence.AVAILABLE
            and len(self.chats) + len(self.reserved) < self.capacity
        )


@dataclass(slots=True)
class Chat:
    chat_id: str
    queue: str
    requested_at: float
    state: ChatState = ChatState.WAITING
    agent: str | None = None
    assigned_at: float | None = None
    ended_at: float | None = None
    end_reason: EndReason | None = None
    handed_by: str | None = None
    """The agent who handed the chat over (warm or cold), until the next agent has it."""
    waited_before: float = 0.0
    """Seconds spent in a waiting line before the current stay (a requeued chat): the limit counts them."""
    line_since: float | None = None
    requestor_connected: bool = True
    wait_deadline: float | None = None
    requestor_deadline: float | None = None
    line_key: tuple[int, float, int] | None = None
    told_position: int | None = None

    def view(self) -> ChatView:
        return ChatView(self.chat_id, self.queue, self.state, self.agent, self.requested_at, self.assigned_at,
                        self.ended_at, self.end_reason, self.handed_by)


@dataclass(frozen=True, slots=True)
class ChatView:
    """What the shell may know of a chat the router holds (a copy: changing it changes nothing)."""

    chat_id: str
    queue: str
    state: ChatState
    agent: str | None
    requested_at: float
    assigned_at: float | None
    ended_at: float | None
    end_reason: EndReason | None
    handed_by: str | None


@dataclass(slots=True)
class Discussion:
    """A warm handover in progress: ``sender`` offers its chat to ``receiver``."""

    discussion_id: str
    chat_id: str
    sender: str
    receiver: str
    queue: str | None
    state: DiscussionState = DiscussionState.OFFERED
    expires_at: float | None = None

    @property
    def open(self) -> bool:
        return self.state in (DiscussionState.OFFERED, DiscussionState.ACCEPTED)


class Line:
    """A queue's waiting line, ordered by key: (tier, requested_at, serial).

    Tier 0 holds chats that lost their agent (back to the head), tier 1 new requests.
    """

    def __init__(self) -> None:
        self._keys: list[tuple[int, float, int]] = []
        self._ids: list[str] = []

    def __len__(self) -> int:
        return len(self._ids)

    def insert(self, key: tuple[int, float, int], chat_id: str) -> int:
        index = bisect.bisect(self._keys, key)
        self._keys.insert(index, key)
        self._ids.insert(index, chat_id)
        return index

    def remove(self, key: tuple[int, float, int]) -> int:
        index = bisect.bisect_left(self._keys, key)
        del self._keys[index]
        del self._ids[index]
        return index

    def position(self, key: tuple[int, float, int]) -> int:
        """1-based place of the chat with ``key`` (which must be in the line)."""
        return bisect.bisect_left(self._keys, key) + 1

    def head(self) -> tuple[tuple[int, float, int], str] | None:
        return (self._keys[0], self._ids[0]) if self._ids else None

    def ids_from(self, start: int) -> list[str]:
        return self._ids[start:]

    def ids(self) -> list[str]:
        return list(self._ids)


class Deadlines:
    """A heap of (time, kind, key); entries are checked against the live value when popped."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, str, str]] = []

    def add(self, at: float, kind: str, key: str) -> None:
        heapq.heappush(self._heap, (at, kind, key))

    def peek(self) -> tuple[float, str, str] | None:
        return self._heap[0] if self._heap else None

    def pop(self) -> tuple[float, str, str]:
        return heapq.heappop(self._heap)
