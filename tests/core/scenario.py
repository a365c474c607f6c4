"""A small driver for the pure router: configure queues and agents, then feed events.

Time only moves when a test says so (``sc.t = ...`` or ``sc.tick(at)``); every event is
stamped with the current ``sc.t``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import TypeVar

from onduty.server.core import events as ev
from onduty.server.core.decisions import (
    AgentStatusChanged,
    Assign,
    Close,
    Decision,
    End,
    Position,
    QueueStatusChanged,
    Requeue,
)
from onduty.server.core.model import RouterConfig
from onduty.server.core.router import Router
from onduty.shared.types import Presence

D = TypeVar("D", bound=Decision)

# Decisions that say what happened to chats (as opposed to status broadcasts).
CHAT_DECISIONS = (Assign, Position, Requeue, End, Close)


class Scenario:
    def __init__(
        self,
        queues: Mapping[str, float] | None = None,
        agents: Mapping[str, Iterable[str]] | None = None,
        capacity: Mapping[str, int] | None = None,
        config: RouterConfig | None = None,
    ) -> None:
        self.router = Router(config)
        self.t = 0.0
        self.events: list[ev.Event] = []
        self.log: list[Decision] = []
        for queue, max_wait in (queues if queues is not None else {"q": 120.0}).items():
            self.apply(ev.QueueConfigured(self.t, queue, max_wait))
        for name, member_of in (agents or {}).items():
            cap = (capacity or {}).get(name, 1)
            self.apply(ev.AgentConfigured(self.t, name, tuple(member_of), cap))

    # --- feeding --------------------------------------------------------------------

    def apply(self, event: ev.Event) -> list[Decision]:
        out = self.router.apply(event)
        self.events.append(event)
        self.log.extend(out)
        return out

    def connect(self, name: str, *, on_duty: bool = True, available: bool = True) -> list[Decision]:
        """Connect an agent and make it on duty and available (routable if below capacity)."""
        out = self.apply(ev.AgentConnected(self.t, name))
        if on_duty:
            out += self.apply(ev.DutySet(self.t, name, True))
        if available:
            out += self.apply(ev.PresenceSet(self.t, name, Presence.AVAILABLE))
        return out

    def disconnect(self, name: str, *, signed_out: bool = False) -> list[Decision]:
        return self.apply(ev.AgentDisconnected(self.t, name, signed_out))

    def reconnect(self, name: str) -> list[Decision]:
        return self.apply(ev.AgentConnected(self.t, name))

    def duty(self, name: str, on: bool) -> list[Decision]:
        return self.apply(ev.DutySet(self.t, name, on))

    def presence(self, name: str, presence: Presence) -> list[Decision]:
        return self.apply(ev.PresenceSet(self.t, name, presence))

    def request(self, chat_id: str, queue: str = "q") -> list[Decision]:
        return self.apply(ev.ChatRequested(self.t, chat_id, queue))

    def reply(self, chat_id: str, name: str) -> list[Decision]:
        return self.apply(ev.AgentReplied(self.t, chat_id, name))

    def agent_end(self, chat_id: str, name: str) -> list[Decision]:
        return self.apply(ev.AgentEnded(self.t, chat_id, name))

    def close(self, chat_id: str, name: str) -> list[Decision]:
        return self.apply(ev.AgentClosed(self.t, chat_id, name))

    def requestor_end(self, chat_id: str) -> list[Decision]:
        return self.apply(ev.RequestorEnded(self.t, chat_id))

    def requestor_drop(self, chat_id: str) -> list[Decision]:
        return self.apply(ev.RequestorDisconnected(self.t, chat_id))

    def requestor_back(self, chat_id: str) -> list[Decision]:
        return self.apply(ev.RequestorReconnected(self.t, chat_id))

    def tick(self, at: float) -> list[Decision]:
        self.t = at
        return self.apply(ev.Tick(at))

    # --- queries ----------------------------------------------------------------------

    @property
    def r(self) -> Router:
        return self.router

    def holder(self, chat_id: str) -> str | None:
        return self.router.chat_agent(chat_id)


def of(decisions: Iterable[Decision], kind: type[D]) -> list[D]:
    return [d for d in decisions if isinstance(d, kind)]


def chat_decisions(decisions: Iterable[Decision]) -> list[Decision]:
    """The chat decisions, estimates left out (they have tests of their own)."""
    return [dataclasses.replace(d, est_wait_s=None) if isinstance(d, Position) else d
            for d in decisions if isinstance(d, CHAT_DECISIONS)]


def assigns(decisions: Iterable[Decision]) -> dict[str, str]:
    """chat id -> agent for every Assign among ``decisions``."""
    return {d.chat_id: d.agent for d in of(decisions, Assign)}


def positions(decisions: Iterable[Decision]) -> dict[str, int]:
    """chat id -> last position told among ``decisions``."""
    return {d.chat_id: d.position for d in of(decisions, Position)}


__all__ = [
    "AgentStatusChanged",
    "Assign",
    "Close",
    "End",
    "Position",
    "QueueStatusChanged",
    "Requeue",
    "Scenario",
    "assigns",
    "chat_decisions",
    "of",
    "positions",
]
