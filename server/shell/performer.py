"""Performs routing's decisions: what each party is told, and what is written to the store.

Every decision the router makes is performed here and only here, through the Delivery and
Presence ports and the store; the performer holds no chat state of its own beyond the duty
and presence last written per agent (so that an unchanged status is not written again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from onduty.server.core.decisions import (
    Activated,
    AgentStatusChanged,
    Assign,
    Close,
    Decision,
    DiscussionChanged,
    End,
    Position,
    QueueStatusChanged,
    Requeue,
    Transferred,
)
from onduty.server.shell.collab import Collaboration
from onduty.server.shell.handover import Handovers
from onduty.server.shell.ports import Delivery, Presence, Routing
from onduty.server.shell.queues import Queues
from onduty.server.shell.views import END_TEXT, agent_status, open_chat_info, waiting
from onduty.server.shell.writes import Writes
from onduty.server.store import Store
from onduty.shared.messages import AgentJoined, ChatAssigned, ChatClosed, ChatEnded, ChatRequeued
from onduty.shared.types import ChatState, EndReason, Role
from onduty.shared.types import Presence as PresenceState

log = logging.getLogger(__name__)


class Performer:
    def __init__(self, routing: Routing, delivery: Delivery, presence: Presence, store: Store, writes: Writes,
                 queues: Queues, handovers: Handovers, collab: Collaboration, clock: Callable[[], float]) -> None:
        self.routing = routing
        self.delivery = delivery
        self.presence = presence
        self.store = store
        self.writes = writes
        self.queues = queues
        self.handovers = handovers
        self.collab = collab
        self.clock = clock
        self.saved_state: dict[str, tuple[bool, PresenceState]] = {}
        """Duty and presence per agent as last written to the store (they survive a restart)."""
        self.statuses_told: dict[str, int] = {}
        """``agent_status`` frames delivered per agent (a sign-in tells its status exactly once)."""
        self.observers: list[Callable[[Decision], None]] = []
        """Told every decision after it was performed (supervision: the console, /metrics, staffing alerts)."""

    def __call__(self, d: Decision) -> None:
        now = self.clock()
        match d:
            case Assign(chat_id=chat_id, agent=agent, waited_s=waited, handed_by=handed_by):
                self._assign(chat_id, agent, waited, handed_by, now)
            case Activated(chat_id=chat_id):
                self.writes.background(self.store.update_chat(chat_id, state=ChatState.ACTIVE), "active")
            case Position(chat_id=chat_id) as position:
                self.delivery.to_party(chat_id, Role.REQUESTOR, waiting(position))
            case Requeue(chat_id=chat_id, agent=agent):
                self.delivery.detach(chat_id, Role.AGENT)
                self.writes.background(self.store.update_chat(chat_id, state=ChatState.WAITING), "requeue")
                self.writes.audit(now, "requeued", chat_id, agent)
                log.info("chat requeued", extra={"chat": chat_id, "queue": self._queue_of(chat_id), "agent": agent,
                                                 "reason": "agent did not come back"})
                self.delivery.to_party(chat_id, Role.REQUESTOR, ChatRequeued(chat_id=chat_id))
            case End(chat_id=chat_id, reason=reason, agent=agent):
                self._end(chat_id, reason, agent, now)
            case Close(chat_id=chat_id, agent=agent):
                self.delivery.to_party(chat_id, Role.AGENT, ChatClosed(chat_id=chat_id))
                session = self.delivery.close(chat_id)
                closing = self.store.update_chat(chat_id, state=ChatState.CLOSED, closed_at=now)
                self.writes.background(closing, "close")
                self.writes.audit(now, "closed", chat_id, agent)
                log.info("chat closed", extra={"chat": chat_id, "agent": agent,
                                               "queue": session.record.queue if session is not None else None})
            case AgentStatusChanged() as status:
                if self.delivery.to_agent(status.username, agent_status(status)):
                    self.statuses_told[status.username] = self.statuses_told.get(status.username, 0) + 1
                duty = (status.on_duty, status.presence)
                if self.saved_state.get(status.username, (False, PresenceState.AVAILABLE)) != duty:
                    self.saved_state[status.username] = duty
                    self.writes.background(self.store.save_agent_state(status.username, *duty, now), "agent state")
                self.collab.presence_changed(status.username)
            case DiscussionChanged() as change:
                self.handovers.changed(change)
            case Transferred() as transfer:
                self.handovers.transferred(transfer)
            case QueueStatusChanged(queue=queue):
                self.queues.changed(queue)
            case _:
                raise TypeError(f"unhandled decision {d!r}")
        for observe in self.observers:
            try:
                observe(d)
            except Exception:  # our bug: logged; the decision was performed, the other observers still run
                log.exception("observing a routing decision failed", extra={"decision": repr(d)})

    def _assign(self, chat_id: str, agent: str, waited: float, handed_by: str | None, now: float) -> None:
        queue = self._queue_of(chat_id)
        self.writes.background(
            self.store.update_chat(chat_id, state=ChatState.ASSIGNED, agent=agent, assigned_at=now, queue=queue),
            "assign",
        )
        self.writes.audit(now, "assigned", chat_id, agent, waited_s=f"{waited:.3f}")
        log.info("chat assigned", extra={"chat": chat_id, "queue": queue, "agent": agent,
                                         "waited_s": round(waited, 3)})
        session = self.delivery.session(chat_id)
        if session is not None and self.presence.is_connected(agent):
            from_name = self.presence.name(handed_by) if handed_by is not None else None
            info = open_chat_info(self.routing, self.presence, session)
            self.delivery.attach_agent(chat_id, agent, ChatAssigned(chat=info, waited_s=waited,
                                                                    transferred_from=from_name))
        self.delivery.to_party(chat_id, Role.REQUESTOR, AgentJoined(
            chat_id=chat_id, agent_name=self.presence.name(agent), transferred=handed_by is not None))

    def _end(self, chat_id: str, reason: EndReason, agent: str | None, now: float) -> None:
        log.info("chat ended", extra={"chat": chat_id, "queue": self._queue_of(chat_id), "agent": agent,
                                      "reason": reason.value})
        self.writes.background(
            self.store.update_chat(chat_id, state=ChatState.ENDED, ended_at=now, end_reason=reason), "end",
        )
        self.writes.audit(now, "ended", chat_id, agent, reason=reason.value)
        state = ChatState.ENDED if agent is not None else ChatState.CLOSED
        if (session := self.delivery.session(chat_id)) is not None:
            session.end(reason)
        self.delivery.to_chat(chat_id, ChatEnded(chat_id=chat_id, reason=reason, text=END_TEXT[reason], state=state))

    def _queue_of(self, chat_id: str) -> str | None:
        view = self.routing.chat(chat_id)
        return view.queue if view is not None else None
