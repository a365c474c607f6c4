"""The shell's ports: how everything outside the routing core reaches routing, delivery and presence.

Endpoints, handovers, collaboration, files and cases talk to these three interfaces and to
the store, never to a router or a socket of another part. In one process they are
:class:`~onduty.server.shell.routing.LocalRouting`,
:class:`~onduty.server.shell.delivery.LocalDelivery` and
:class:`~onduty.server.shell.presence.LocalPresence`; several nodes implement the same
interfaces over a shared bus (see docs/architecture.md) without changing their callers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from onduty.server.core import events as ev
from onduty.server.core.decisions import AgentStatusChanged, Decision, Position, QueueStatusChanged
from onduty.server.core.model import ChatView, Discussion
from onduty.server.shell.peer import Peer
from onduty.server.shell.sessions import ChatSession
from onduty.server.store.records import ChatRecord, StoredMessage
from onduty.shared.messages import Message
from onduty.shared.types import AgentProfile, Role

Perform = Callable[[Decision], None]
"""Where routing decisions go: the shell's performer (one call per decision, in order)."""


class Routing(Protocol):
    """The routing core behind one interface: events in, decisions out to the performer, queries.

    The owner of routing also owns its timers: it submits the ticks at the core's deadlines
    itself, so nobody else needs to know when a waiting request times out."""

    def bind(self, perform: Perform) -> None:
        """Name the performer of decisions (once, before :meth:`start`)."""

    async def start(self) -> None:
        """Start the timers."""

    async def stop(self) -> None:
        """Stop the timers."""

    def wake(self) -> None:
        """Look at the deadlines again now (a test moved its clock)."""

    def submit(self, event: ev.Event) -> None:
        """Apply one event; its decisions are performed, in order, before this returns.

        Raises :class:`~onduty.shared.errors.ProtocolError` when a rule refuses the event
        (then nothing changed)."""

    # --- queries --------------------------------------------------------------------------

    def chat(self, chat_id: str) -> ChatView | None:
        """The chat as routing holds it (None once closed, or never routed)."""

    def held(self, chat_id: str, username: str) -> ChatView:
        """The chat, if ``username`` holds it; else ProtocolError (unknown_chat / not_allowed)."""

    def check_writable(self, chat_id: str) -> ChatView:
        """The chat, if its parties may still write in it; else ProtocolError chat_ended."""

    def may_read(self, username: str, chat_id: str, chat_queue: str, shared_with_me: bool = False) -> bool:
        """May ``username`` read this chat's transcript (seed 001's access rule)?"""

    def waiting(self, chat_id: str) -> Position | None:
        """The chat's place in its line now (with the estimate), or None when it is not waiting."""

    def agent_status(self, username: str) -> AgentStatusChanged:
        """Duty, presence and chats of a known agent."""

    def agent_chats(self, username: str) -> tuple[str, ...]:
        """The open chats the agent holds (running or ended, not yet closed)."""

    def has_queue(self, queue: str) -> bool:
        """Was the queue configured (:class:`~.events.QueueConfigured`)?"""

    def queue_status(self, queue: str) -> QueueStatusChanged:
        """The queue's line length and staffing now."""

    def queue_estimate(self, queue: str, position: int) -> float | None:
        """Seconds a request at ``position`` of the line may wait, or None when it cannot be told."""

    def line(self, queue: str) -> list[str]:
        """The chat ids waiting in ``queue``'s line, next first (the supervisor console, /metrics)."""

    def discussion(self, discussion_id: str) -> Discussion | None:
        """An open warm-handover discussion."""

    def discussions_of(self, username: str) -> list[Discussion]:
        """The open discussions ``username`` sends or receives."""


class Presence(Protocol):
    """Which agents are signed in (on which connection, wherever it is), and their display names."""

    def connect(self, profile: AgentProfile, peer: Peer) -> Peer | None:
        """``profile`` signed in on ``peer``; returns the connection it replaces, if any."""

    def disconnect(self, username: str, peer: Peer) -> bool:
        """``peer`` of ``username`` ended; False when it was replaced already (nothing changes)."""

    def is_connected(self, username: str) -> bool: ...

    def count(self) -> int:
        """Agents signed in now."""

    def members(self, queue: str) -> Iterable[str]:
        """The signed-in agents of ``queue``."""

    def name(self, username: str) -> str:
        """The agent's display name (its username when unknown)."""

    def learn(self, username: str, display_name: str) -> None:
        """Remember a display name (of an agent not signed in yet, e.g. after a restart)."""


class Delivery(Protocol):
    """Frames to parties, wherever they are connected, and each open chat's messages in ``seq`` order."""

    def to_agent(self, username: str, message: Message) -> bool:
        """Send to the agent's connection; False when it is not connected."""

    def to_agents(self, usernames: Iterable[str], message: Message) -> None:
        """The same frame to each connected agent of ``usernames`` (encoded once)."""

    def to_queue(self, queue: str, message: Message) -> None:
        """The same frame to every signed-in agent of ``queue``."""

    def to_party(self, chat_id: str, role: Role, message: Message) -> bool:
        """Send to the chat's requestor or agent, if attached; False when nobody is."""

    def to_chat(self, chat_id: str, message: Message) -> None:
        """The same frame to every party attached to the chat, and to the supervisors watching it."""

    def to_watchers(self, chat_id: str, message: Message) -> None:
        """The same frame to the supervisors watching the chat (``watch``)."""

    # --- open chats -----------------------------------------------------------------------

    def open(self, record: ChatRecord, last_seq: int = 0) -> ChatSession:
        """Start delivering a chat (a new request, or one restored at start)."""

    def close(self, chat_id: str) -> ChatSession | None:
        """The chat is closed: nothing more is delivered."""

    def session(self, chat_id: str) -> ChatSession | None:
        """The open chat's delivery state (its request, last seq, attached parties)."""

    def count(self) -> int:
        """Open chats."""

    def open_sessions(self) -> list[ChatSession]:
        """Every open chat's delivery state."""

    def attach(self, chat_id: str, role: Role, peer: Peer, after_seq: int, first: Message | None = None) -> None:
        """``peer`` reads the chat from ``after_seq`` on: ``first`` (if any), what it missed, then live."""

    def watch(self, chat_id: str, peer: Peer, first: Message) -> bool:
        """A supervisor's ``peer`` reads the open chat read-only: ``first``, its history, then live (every
        message, whoever sent it); False when the chat is not open."""

    def unwatch(self, chat_id: str, peer: Peer) -> bool:
        """Stop delivering the chat to the watching ``peer``; False when it was not watching."""

    def attach_agent(self, chat_id: str, username: str, first: Message) -> bool:
        """The agent's connection, wherever it is, reads the chat from its start: ``first``, the
        history, then live; False when the agent is not connected."""

    def detach(self, chat_id: str, role: Role, peer: Peer | None = None) -> Peer | None:
        """Stop delivering to the party (only if it is ``peer``, when given); returns who was attached."""

    published: list[Callable[[StoredMessage], None]]
    """Told every message :meth:`stored` here (a cluster's routing owner publishes them to the other nodes)."""

    def stored(self, message: StoredMessage) -> None:
        """A message is stored: deliver it to the chat's parties, once each and in ``seq`` order."""

    def arrived(self, message: StoredMessage) -> None:
        """A message another cluster node stored: as :meth:`stored`, but not published again."""
