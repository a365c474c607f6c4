"""The Presence port in one process: the agents signed in on this server, by connection."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from onduty.server.shell.peer import Peer
from onduty.shared.types import AgentProfile


@dataclass(slots=True)
class AgentConn:
    peer: Peer
    profile: AgentProfile


class LocalPresence:
    def __init__(self) -> None:
        self._agents: dict[str, AgentConn] = {}
        self._members: dict[str, set[str]] = {}
        self._names: dict[str, str] = {}

    def connect(self, profile: AgentProfile, peer: Peer) -> Peer | None:
        old = self._agents.get(profile.username)
        if old is not None:
            self._forget(old)
        self._names[profile.username] = profile.display_name
        self._agents[profile.username] = AgentConn(peer, profile)
        for queue in profile.queues:
            self._members.setdefault(queue, set()).add(profile.username)
        return old.peer if old is not None else None

    def disconnect(self, username: str, peer: Peer) -> bool:
        conn = self._agents.get(username)
        if conn is None or conn.peer is not peer:
            return False
        self._forget(conn)
        return True

    def _forget(self, conn: AgentConn) -> None:
        del self._agents[conn.profile.username]
        for queue in conn.profile.queues:
            self._members.get(queue, set()).discard(conn.profile.username)

    def is_connected(self, username: str) -> bool:
        return username in self._agents

    def count(self) -> int:
        return len(self._agents)

    def members(self, queue: str) -> Iterable[str]:
        return self._members.get(queue, ())

    def name(self, username: str) -> str:
        return self._names.get(username, username)

    def learn(self, username: str, display_name: str) -> None:
        self._names[username] = display_name

    def peer(self, username: str) -> Peer | None:
        """The agent's connection on this server (for local delivery)."""
        conn = self._agents.get(username)
        return conn.peer if conn is not None else None
