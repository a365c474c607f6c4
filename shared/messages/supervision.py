"""What the server tells agents and supervisors about their queues: staffing alerts, the console's picture."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from onduty.shared.messages.base import Message
from onduty.shared.types import (
    AlertKind,
    ChatInfo,
    ConsoleAgent,
    ConsoleAlert,
    ConsoleChat,
    ConsoleToday,
    Ident,
    Max,
    Name,
    StaffRole,
    Text,
)


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


@dataclass(frozen=True, slots=True)
class SupervisorRole(Message):
    """Sent at sign-in to supervisors and admins only: the tray offers "Console…"."""

    TYPE: ClassVar[str] = "supervisor_role"
    role: StaffRole
    supervises: Annotated[list[str], Max(256)]
    """The queues supervised (empty for an admin: every queue)."""


@dataclass(frozen=True, slots=True)
class GetConsoleLink(Message):
    """Ask for a one-time link that opens the console already signed in (supervisors and admins)."""

    TYPE: ClassVar[str] = "get_console_link"


@dataclass(frozen=True, slots=True)
class ConsoleLink(Message):
    """A one-time sign-in link to the console: valid once, until ``expires_at``."""

    TYPE: ClassVar[str] = "console_link"
    url: Annotated[str, Max(2048)]
    expires_at: float


@dataclass(frozen=True, slots=True)
class ConsoleState(Message):
    """The console's header, pushed every second: who is signed in and which queues follow (one
    ``console_queue`` each, in this order)."""

    TYPE: ClassVar[str] = "console_state"
    at: float
    """Server time of this picture (times in the ``console_queue`` frames are on the same clock)."""
    username: Ident
    display_name: Name
    queues: Annotated[list[str], Max(256)]


@dataclass(frozen=True, slots=True)
class ConsoleQueue(Message):
    """One supervised queue now: its line, its agents by name and activity, its open staffing alert."""

    TYPE: ClassVar[str] = "console_queue"
    queue: Ident
    title: Name
    waiting: int
    longest_wait_s: float
    """How long the longest-waiting request has waited so far (0: nobody waits)."""
    on_duty: int
    routable: int
    callbacks: int
    staffed: bool
    """Inside the queue's staffed hours now."""
    agents: Annotated[list[ConsoleAgent], Max(256)]
    alert: ConsoleAlert | None = None
    chats: Annotated[list[ConsoleChat], Max(256)] = field(default_factory=list)
    """The queue's live chats that an agent holds, oldest first (``monitor_chat`` opens one)."""
    today: ConsoleToday | None = None
    """Today's figures (None until the server has read them from the store)."""


# --- monitor and whisper: console -> server -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MonitorChat(Message):
    """Watch a live chat of a supervised queue, read-only: ``monitoring``, then its messages in ``seq`` order."""

    TYPE: ClassVar[str] = "monitor_chat"
    chat_id: Ident


@dataclass(frozen=True, slots=True)
class StopMonitoring(Message):
    """Stop watching the chat (nothing happens if it was not watched)."""

    TYPE: ClassVar[str] = "stop_monitoring"
    chat_id: Ident


@dataclass(frozen=True, slots=True)
class SendWhisper(Message):
    """Whisper to the chat's agent: stored, shown to that agent and to the supervisors watching, never to the
    requestor."""

    TYPE: ClassVar[str] = "send_whisper"
    chat_id: Ident
    text: Text


# --- monitor and whisper: server -> console / agent -----------------------------------------------


@dataclass(frozen=True, slots=True)
class Monitoring(Message):
    """The answer to ``monitor_chat``: the chat now; its messages (``message``) and whispers follow."""

    TYPE: ClassVar[str] = "monitoring"
    chat: ChatInfo


@dataclass(frozen=True, slots=True)
class Whisper(Message):
    """A supervisor's whisper in a chat: to the chat's agent only (never to the requestor), and to the
    supervisors watching the chat."""

    TYPE: ClassVar[str] = "whisper"
    chat_id: Ident
    whisper_id: int
    sender: Ident
    """The supervisor's username."""
    sender_name: Name
    text: Text
    at: float
