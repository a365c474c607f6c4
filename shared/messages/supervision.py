"""What the server tells agents and supervisors about their queues' staffing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from onduty.shared.messages.base import Message
from onduty.shared.types import AlertKind, Ident, Name, Text


@dataclass(frozen=True, slots=True)
class StaffingAlert(Message):
    """A queue inside its staffed hours has nobody on duty (``active``), or it has someone again (not ``active``)."""

    TYPE: ClassVar[str] = "staffing_alert"
    alert_id: int
    queue: Ident
    title: Name
    """The queue's title (its name when it has none)."""
    kind: AlertKind
    active: bool
    started_at: float
    text: Text
    """What to show: ``CIM APJ has nobody on duty`` / ``CIM APJ has someone on duty again``."""
    ended_at: float | None = None
