"""The base of every wire message and the request id it carries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from onduty.shared.types import Max, Omit

RequestId = Annotated[str | None, Max(64), Omit()]


@dataclass(frozen=True, slots=True)
class Message:
    """Base of all wire messages; ``TYPE`` is the value of the ``t`` key.

    ``req`` (protocol 2) is a request id the client chooses; the server echoes it in the one frame
    that answers that request (see :data:`REPLIES`) and in any ``error`` about it. It is left out
    of a frame while None.
    """

    TYPE: ClassVar[str] = ""
    req: RequestId = field(default=None, kw_only=True)
