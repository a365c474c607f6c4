"""Supervision: what the console and /metrics read, kept up to date from routing's decisions.

It observes every decision after the performer performed it (``Performer.observers``) and keeps
only what routing does not: since when each agent is in its activity, which open chats were answered,
chat outcomes and waits per queue since the server started, and the count of stored messages.
Everything else (lines, seats, connections) is asked from the ports when someone looks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from onduty.server.core.decisions import AgentStatusChanged, Assign, Close, Decision, End
from onduty.server.core.supervision import Activity, Outcome, WaitTally, activity, outcome
from onduty.server.shell.ports import Delivery, Presence, Routing

Listener = Callable[[Decision], None]


@dataclass(frozen=True, slots=True)
class AgentView:
    """One signed-in agent as a supervisor sees it."""

    username: str
    display_name: str
    activity: Activity
    since: float
    """When it began this activity (its sign-in at the latest)."""
    chats: tuple[str, ...]


class Supervision:
    def __init__(self, routing: Routing, presence: Presence, delivery: Delivery, clock: Callable[[], float]) -> None:
        self._routing = routing
        self._delivery = delivery
        self._presence = presence
        self._clock = clock
        self._activity: dict[str, tuple[Activity, float]] = {}
        self._answered: set[str] = set()
        self.messages = 0
        """Chat messages stored since the server started (``Shell.post``)."""
        self.chats: dict[tuple[str, Outcome], int] = {}
        """Chats ended since the server started, per queue and outcome."""
        self.waits: dict[str, WaitTally] = {}
        """Waits of answered chats (request to first agent) since the server started, per queue."""
        self.listeners: list[Listener] = []
        """Told each decision after this class took it in (the console's live feed, staffing alerts)."""

    def observe(self, d: Decision) -> None:
        now = self._clock()
        match d:
            case AgentStatusChanged() as s:
                current = activity(s.connected, s.on_duty, s.presence, len(s.chats))
                if current is None:
                    self._activity.pop(s.username, None)
                elif (known := self._activity.get(s.username)) is None or known[0] is not current:
                    self._activity[s.username] = (current, now)
            case Assign(chat_id=chat_id, waited_s=waited) if chat_id not in self._answered:
                self._answered.add(chat_id)
                if (queue := self.queue_of(chat_id)) is not None:
                    self.waits.setdefault(queue, WaitTally()).add(max(0.0, waited))
            case End(chat_id=chat_id, reason=reason, agent=agent):
                if (queue := self.queue_of(chat_id)) is not None:
                    key = (queue, outcome(chat_id in self._answered or agent is not None, reason))
                    self.chats[key] = self.chats.get(key, 0) + 1
            case Close(chat_id=chat_id):
                self._answered.discard(chat_id)
            case _:
                pass
        for listener in self.listeners:
            listener(d)

    def queue_of(self, chat_id: str) -> str | None:
        """The open chat's queue: routing's, or (a chat routing let go of in the same event) the request's."""
        if (view := self._routing.chat(chat_id)) is not None:
            return view.queue
        session = self._delivery.session(chat_id)
        return session.record.queue if session is not None else None

    def agent(self, username: str) -> AgentView | None:
        """The agent's activity now, if it is signed in."""
        known = self._activity.get(username)
        if known is None or not self._presence.is_connected(username):
            return None
        return AgentView(username, self._presence.name(username), known[0], known[1],
                         self._routing.agent_chats(username))

    def agents(self, queue: str) -> list[AgentView]:
        """The signed-in agents of ``queue`` by display name."""
        views = [v for u in self._presence.members(queue) if (v := self.agent(u)) is not None]
        return sorted(views, key=lambda v: (v.display_name.casefold(), v.username))

    def longest_wait(self, queue: str) -> float:
        """Seconds the longest-waiting request of ``queue`` has waited so far (0 when nobody waits)."""
        now, oldest = self._clock(), None
        for chat_id in self._routing.line(queue):
            view = self._routing.chat(chat_id)
            if view is not None and (oldest is None or view.requested_at < oldest):
                oldest = view.requested_at
        return max(0.0, now - oldest) if oldest is not None else 0.0
