"""Opening a session on either endpoint, and refusals: ``hello``, ``welcome``, ``error``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, ClassVar

from onduty.shared.errors import ErrorCode
from onduty.shared.messages.base import Message
from onduty.shared.types import ContentLimits, Ident, Max, Name, Omit

# --- client -> server -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hello(Message):
    """First frame from a client on either endpoint."""

    TYPE: ClassVar[str] = "hello"
    protocol: int
    client: Name = ""


# --- server -> client -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Welcome(Message):
    """The answer to ``hello``; ``limits`` only in protocol 3 (an older client's decoder would refuse it)."""

    TYPE: ClassVar[str] = "welcome"
    protocol: int
    server: Name
    max_frame: int
    heartbeat_s: float
    limits: Annotated[ContentLimits | None, Omit(since=3)] = None


@dataclass(frozen=True, slots=True)
class Error(Message):
    """Something the peer sent was refused. ``ref`` is the ``t`` of that message, if known; ``req`` its
    request id; ``client_msg_id`` that of a refused ``send``, ``im_send``, ``discussion_say`` or
    ``request_chat`` (protocol 2)."""

    TYPE: ClassVar[str] = "error"
    code: ErrorCode
    detail: Annotated[str, Max(1024)] = ""
    ref: Ident | None = None
    client_msg_id: Annotated[str | None, Max(64), Omit()] = None
