"""Connection-state events, delivered to the application beside the server's messages."""

from __future__ import annotations

from dataclasses import dataclass

from onduty.shared.errors import ErrorCode
from onduty.shared.messages import Message


@dataclass(frozen=True, slots=True)
class Connected:
    """The WebSocket is open and the server answered ``hello`` with ``welcome``."""

    server: str
    protocol: int
    heartbeat_s: float


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The WebSocket closed or could not be opened; ``close_code`` when the server closed it."""

    reason: str
    close_code: int | None = None


@dataclass(frozen=True, slots=True)
class Reconnecting:
    """Next connection attempt ``attempt`` (1 = first retry) starts after ``delay`` seconds."""

    attempt: int
    delay: float


@dataclass(frozen=True, slots=True)
class GaveUp:
    """The client stopped for good: auth refused, chat gone, too many attempts, or closed."""

    reason: str
    code: ErrorCode | None = None


ConnectionEvent = Connected | Disconnected | Reconnecting | GaveUp
ClientEvent = Message | ConnectionEvent
"""What :meth:`ChatClient.next_event` yields: a server message or a connection-state change."""
