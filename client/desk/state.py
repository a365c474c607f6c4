"""What the agent sees at a glance: the connection, duty, presence and the queues (no Qt here).

:class:`AgentView` is kept up to date by the session from server messages; the tray icon, its
tooltip and menu, and the fallback window are all drawn from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from onduty.shared.messages import AgentStatus, QueueStatus, StaffingAlert, SupervisorRole
from onduty.shared.types import AgentProfile, Presence


class Link(Enum):
    SIGNED_OUT = "signed out"
    CONNECTING = "connecting"
    ONLINE = "online"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"
    """Stopped for good (signed in elsewhere, session refused, closed)."""


class TrayState(Enum):
    """The icon's states, most urgent first."""

    SIGNED_OUT = "Signed out"
    DISCONNECTED = "Disconnected"
    OFF_DUTY = "Off Duty"
    IN_CHAT = "On Duty · in a chat"
    BUSY = "On Duty · Busy"
    AWAY = "On Duty · Away"
    AVAILABLE = "On Duty · Available"


PRESENCE_LABELS: dict[Presence, str] = {
    Presence.AVAILABLE: "Available",
    Presence.BUSY: "Busy",
    Presence.AWAY: "Away",
    Presence.OFFLINE: "Offline",
}


@dataclass
class AgentView:
    link: Link = Link.SIGNED_OUT
    link_detail: str = ""
    """Why the link is what it is, e.g. "retrying in 4 s" (shown in the tooltip and windows)."""
    profile: AgentProfile | None = None
    status: AgentStatus | None = None
    queues: dict[str, QueueStatus] = field(default_factory=dict)
    queue_titles: dict[str, str] = field(default_factory=dict)
    """Every queue's title ("CIM EMEA") by its name (``cim-emea``), from the server's ``partners``."""
    supervisor: SupervisorRole | None = None
    """Set at sign-in for supervisors and admins: the tray offers "Console…"."""
    alerts: dict[str, StaffingAlert] = field(default_factory=dict)
    """Open staffing alerts by queue ("CIM APJ has nobody on duty"), as the server announced them."""

    def staffing_alert(self, alert: StaffingAlert) -> None:
        if alert.active:
            self.alerts[alert.queue] = alert
        else:
            self.alerts.pop(alert.queue, None)

    def queue_title(self, queue: str) -> str:
        """What the agent reads for a queue: its title, or its name while the title is not known."""
        return self.queue_titles.get(queue) or queue

    @property
    def online(self) -> bool:
        return self.link is Link.ONLINE

    @property
    def on_duty(self) -> bool:
        return self.status is not None and self.status.on_duty

    @property
    def presence(self) -> Presence:
        return self.status.presence if self.status is not None else Presence.OFFLINE

    @property
    def waiting(self) -> int:
        """Requestors waiting in the agent's queues."""
        return sum(q.waiting for q in self.queues.values())

    @property
    def callbacks(self) -> int:
        """Open callback requests of the agent's queues: neither claimed nor done (the server counts them)."""
        return sum(q.callbacks for q in self.queues.values())

    def colleagues_on_duty(self, queue: QueueStatus) -> int:
        """On-duty agents of ``queue`` other than this one."""
        return max(0, queue.on_duty - (1 if self.on_duty else 0))

    def tray_state(self) -> TrayState:
        if self.link is Link.SIGNED_OUT:
            return TrayState.SIGNED_OUT
        if self.link is not Link.ONLINE or self.status is None:
            return TrayState.DISCONNECTED
        if not self.status.on_duty:
            return TrayState.OFF_DUTY
        if self.status.open_chats:
            return TrayState.IN_CHAT
        if self.status.presence is Presence.BUSY:
            return TrayState.BUSY
        if self.status.presence is Presence.AWAY:
            return TrayState.AWAY
        return TrayState.AVAILABLE

    def headline(self) -> str:
        state = self.tray_state()
        if state is TrayState.DISCONNECTED:
            detail = f" ({self.link_detail})" if self.link_detail else ""
            words = {Link.RECONNECTING: "Disconnected, reconnecting", Link.OFFLINE: "Disconnected"}
            return words.get(self.link, "Connecting") + detail
        return str(state.value)

    def tooltip(self) -> str:
        """State, queues, who waits in them and how many colleagues are on duty."""
        lines = ["OnDuty: " + self.headline()]
        if self.profile is not None:
            lines[0] = f"OnDuty: {self.profile.display_name}, {self.headline()}"
        if self.status is not None and self.status.open_chats and self.online:
            lines.append(f"Open chats: {len(self.status.open_chats)} of {self.status.capacity}")
        if self.queues:
            lines.append(f"Waiting in my queues: {self.waiting}")
            for name in sorted(self.queues, key=self.queue_title):
                q = self.queues[name]
                colleagues = self.colleagues_on_duty(q)
                lines.append(
                    f"  {self.queue_title(name)}: {q.waiting} waiting, "
                    f"{colleagues} colleague{'s' if colleagues != 1 else ''} on duty"
                    + (f", {q.callbacks} open callback{'s' if q.callbacks != 1 else ''}" if q.callbacks else "")
                )
        elif self.profile is not None:
            lines.append("Queues: " + ", ".join(map(self.queue_title, self.profile.queues)))
        lines += [f"⚠ {self.alerts[q].text}" for q in sorted(self.alerts)]
        return "\n".join(lines)
