"""The shell's centre: feeds the router, performs its decisions, owns open chats and peers.

Everything the router decides is performed here and only here: sending to peers
(synchronously, into their outboxes) and persisting (in order, through the store's
single writer). Timers are one task that sleeps until the router's next deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from onduty.server.config import ServerConfig
from onduty.server.core import Router, RouterConfig
from onduty.server.core import events as ev
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
from onduty.server.shell.peer import Peer
from onduty.server.shell.sessions import ChatSession, chat_info
from onduty.server.store import AuditEntry, QueueRecord, Store, StoredMessage
from onduty.shared.codec import Codec
from onduty.shared.errors import CloseCode, ErrorCode, ProtocolError
from onduty.shared.messages import (
    AgentJoined,
    AgentStatus,
    ChatAssigned,
    ChatClosed,
    ChatEnded,
    ChatRequeued,
    Message,
    PeerTyping,
    QueueInfo,
    QueueStatus,
    Waiting,
)
from onduty.shared.types import AgentProfile, ChatInfo, ChatState, EndReason, FileRef, Presence, Role

log = logging.getLogger(__name__)

Clock = Callable[[], float]

END_TEXT = {
    EndReason.TIMEOUT: "All agents are busy, please try again later.",
    EndReason.REQUESTOR_LEFT: "The requestor left the chat.",
    EndReason.AGENT_ENDED: "The agent ended the chat.",
    EndReason.AGENT_CLOSED: "The agent closed the chat.",
}


@dataclass(slots=True)
class AgentConn:
    peer: Peer
    profile: AgentProfile


class Hub:
    def __init__(self, config: ServerConfig, store: Store, codec: Codec, clock: Clock = time.time) -> None:
        self.config = config
        self.store = store
        self.codec = codec
        self.clock = clock
        self.router = Router(
            RouterConfig(
                agent_grace_s=config.agent_grace_s,
                requestor_grace_s=config.requestor_grace_s,
                discussion_timeout_s=config.discussion_timeout_s,
            )
        )
        self.sessions: dict[str, ChatSession] = {}
        self.agents: dict[str, AgentConn] = {}
        self.names: dict[str, str] = {}
        self._watchers: dict[str, set[str]] = {}
        self._queues: dict[str, QueueRecord] = {}
        self.callbacks: dict[str, int] = {}
        """Open callback requests per queue (shown to its agents in ``queue_status``)."""
        self.collab = Collaboration(self)
        self.handovers = Handovers(self)
        self._wake = asyncio.Event()
        self._timer: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dirty_queues: set[str] = set()
        self._status_flush: asyncio.Handle | None = None
        self._last_status_flush = float("-inf")
        self._acks: dict[tuple[str, Role], int] = {}
        self._saved_state: dict[str, tuple[bool, Presence]] = {}
        """Duty and presence per agent as last written to the store (they survive a restart)."""

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Load queues and every open chat from the store, then start the timer."""
        now = self.clock()
        self.callbacks = await self.store.count_callbacks()
        for queue in await self.store.list_queues():
            self._queues[queue.name] = queue
            self.apply(ev.QueueConfigured(now, queue.name, queue.max_wait_s))
        restored = 0
        for record in await self.store.open_chats():
            if record.agent is not None and record.agent not in self.names:
                agent = await self.store.get_agent(record.agent)
                if agent is not None:
                    self.names[agent.username] = agent.display_name
                    self.apply(ev.AgentConfigured(now, agent.username, agent.queues, agent.capacity))
            self.sessions[record.chat_id] = ChatSession(record=record, last_seq=record.last_seq)
            self.apply(ev.ChatRestored(now, record.chat_id, record.queue, record.state, record.agent,
                                       record.requested_at, record.assigned_at, record.ended_at, record.end_reason))
            restored += 1
        for state in (await self.store.agent_states()).values():
            agent = await self.store.get_agent(state.username) if state.on_duty else None
            if agent is not None:
                self.names[agent.username] = agent.display_name
                self.apply(ev.AgentRestored(now, agent.username, agent.queues, agent.capacity, state.on_duty,
                                            state.presence))
                self._saved_state[agent.username] = (state.on_duty, state.presence)
        log.info("hub started", extra={"restored_chats": restored})
        self._loop = asyncio.get_running_loop()
        self._timer = self._loop.create_task(self._run_timer(), name="router-timer")

    async def stop(self) -> None:
        if self._status_flush is not None:
            self._status_flush.cancel()
        self._flush_acks()
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop the hub runs on (callbacks scheduled with call_soon/call_later run outside any task)."""
        return self._loop if self._loop is not None else asyncio.get_running_loop()

    def wake(self) -> None:
        """Re-check deadlines now (after an event, or after a test moved its clock)."""
        self._wake.set()

    async def _run_timer(self) -> None:
        while True:
            deadline = self.router.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - self.clock())
            # asyncio.timeout, not wait_for: no inner task to cancel (and warn about) at shutdown
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            self._wake.clear()
            deadline = self.router.next_deadline()
            if deadline is not None and deadline <= self.clock():
                try:
                    self.apply(ev.Tick(self.clock()))
                except Exception:  # our bug; the timer must outlive it or no line ever drops again
                    log.exception("deadline handling failed")

    def background(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        """Run a store write without holding up delivery; failures are logged, never lost silently."""
        task = self.loop.create_task(coro, name=what)
        self._pending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("background %s failed", task.get_name(), exc_info=exc)

    # --- router ----------------------------------------------------------------------

    def apply(self, event: ev.Event) -> None:
        """Feed one event; perform what the router decided. ProtocolError propagates unchanged.

        The router has changed state once it returns, so every decision is performed even if
        one of them fails (our bug: logged with the decision, never swallowed silently)."""
        for decision in self.router.apply(event):
            try:
                self._perform(decision)
            except Exception:
                log.exception("performing a routing decision failed", extra={"decision": repr(decision)})
        self._wake.set()

    def _perform(self, d: Decision) -> None:
        now = self.clock()
        match d:
            case Assign(chat_id=chat_id, agent=agent, waited_s=waited, handed_by=handed_by):
                self._assign(self.sessions[chat_id], agent, waited, handed_by, now)
            case Activated(chat_id=chat_id):
                self.background(self.store.update_chat(chat_id, state=ChatState.ACTIVE), "active")
            case Position(chat_id=chat_id) as position:
                if (peer := self.sessions[chat_id].peer(Role.REQUESTOR)) is not None:
                    peer.send(waiting(position))
            case Requeue(chat_id=chat_id, agent=agent):
                session = self.sessions[chat_id]
                session.detach(Role.AGENT)
                self.background(self.store.update_chat(chat_id, state=ChatState.WAITING), "requeue")
                self.audit(now, "requeued", chat_id, agent)
                log.info("chat requeued", extra={"chat": chat_id, "queue": self._queue_of(chat_id), "agent": agent,
                                                 "reason": "agent did not come back"})
                if (peer := session.peer(Role.REQUESTOR)) is not None:
                    peer.send(ChatRequeued(chat_id=chat_id))
            case End(chat_id=chat_id, reason=reason, agent=agent):
                self._end(self.sessions[chat_id], reason, agent, now)
            case Close(chat_id=chat_id, agent=agent):
                session = self.sessions.pop(chat_id)
                closing = self.store.update_chat(chat_id, state=ChatState.CLOSED, closed_at=now)
                self.background(closing, "close")
                self.audit(now, "closed", chat_id, agent)
                log.info("chat closed", extra={"chat": chat_id, "queue": session.record.queue, "agent": agent})
                if (peer := session.peer(Role.AGENT)) is not None:
                    peer.send(ChatClosed(chat_id=chat_id))
            case AgentStatusChanged() as status:
                if (conn := self.agents.get(status.username)) is not None:
                    conn.peer.send(agent_status(status))
                duty = (status.on_duty, status.presence)
                if self._saved_state.get(status.username, (False, Presence.AVAILABLE)) != duty:
                    self._saved_state[status.username] = duty
                    self.background(self.store.save_agent_state(status.username, *duty, now), "agent state")
                self.collab.presence_changed(status.username)
            case DiscussionChanged() as change:
                self.handovers.changed(change)
            case Transferred() as transfer:
                self.handovers.transferred(transfer)
            case QueueStatusChanged(queue=queue):
                self.queue_status_changed(queue)
            case _:
                raise TypeError(f"unhandled decision {d!r}")

    def queue_status(self, queue: str) -> QueueStatus:
        s = self.router.queue_status(queue)
        return QueueStatus(queue=queue, waiting=s.waiting, on_duty=s.on_duty, routable=s.routable,
                           callbacks=self.callbacks.get(queue, 0))

    def queue_status_changed(self, queue: str) -> None:
        """Tell the queue's agents, coalesced: with a thousand agents in a queue, one frame
        each per routing event would be most of the server's work (see docs/performance.md)."""
        self._dirty_queues.add(queue)
        if self._status_flush is not None:
            return
        loop = self.loop
        delay = self._last_status_flush + self.config.queue_status_interval_s - loop.time()
        if delay > 0:
            self._status_flush = loop.call_later(delay, self._flush_queue_status)
        else:
            self._status_flush = loop.call_soon(self._flush_queue_status)

    def _flush_queue_status(self) -> None:
        self._status_flush = None
        self._last_status_flush = self.loop.time()
        queues, self._dirty_queues = self._dirty_queues, set()
        for queue in sorted(queues):
            self.broadcast_queue_status(queue)

    def broadcast_queue_status(self, queue: str) -> None:
        """Tell every signed-in agent of ``queue`` its line, staffing and callbacks, now."""
        frame = self.codec.encode(self.queue_status(queue))
        for username in self._watchers.get(queue, ()):
            if (conn := self.agents.get(username)) is not None:
                conn.peer.send_frame(frame)

    def queue_info(self, queue: QueueRecord) -> QueueInfo:
        """What a requestor may know before asking: is anyone on duty, how long is the line."""
        s = self.router.queue_status(queue.name)
        estimate = self.router.queue_estimate(queue.name, s.waiting + 1) if s.routable == 0 else 0.0
        return QueueInfo(queue=queue.name, open=s.on_duty > 0, on_duty=s.on_duty, waiting=s.waiting,
                         max_wait_s=queue.max_wait_s, est_wait_s=estimate if s.on_duty > 0 else None)

    def _assign(self, session: ChatSession, agent: str, waited: float, handed_by: str | None,
                now: float) -> None:
        queue = self._queue_of(session.chat_id)
        self.background(
            self.store.update_chat(session.chat_id, state=ChatState.ASSIGNED, agent=agent, assigned_at=now,
                                   queue=queue),
            "assign",
        )
        self.audit(now, "assigned", session.chat_id, agent, waited_s=f"{waited:.3f}")
        log.info("chat assigned", extra={"chat": session.chat_id, "queue": queue, "agent": agent,
                                         "waited_s": round(waited, 3)})
        from_name = self.names.get(handed_by, handed_by) if handed_by is not None else None
        if (conn := self.agents.get(agent)) is not None:
            assigned = ChatAssigned(chat=self.chat_info(session), waited_s=waited, transferred_from=from_name)
            self.attach(session, Role.AGENT, conn.peer, 0, assigned)
        if (peer := session.peer(Role.REQUESTOR)) is not None:
            peer.send(AgentJoined(chat_id=session.chat_id, agent_name=self.names.get(agent, agent),
                                  transferred=handed_by is not None))

    def chat_info(self, session: ChatSession) -> ChatInfo:
        """The chat as clients see it: its request, and its state as the router holds it."""
        view = self.router.chat(session.chat_id)
        agent = view.agent if view is not None else session.record.agent
        name = self.names.get(agent, agent) if agent is not None else None
        return chat_info(session.record, view, name, session.last_seq)

    def attach(self, session: ChatSession, role: Role, peer: Peer, after_seq: int,
               first: Message | None = None) -> None:
        """``peer`` reads ``session`` from ``after_seq`` on: ``first`` (if any), the replay, then live."""
        attached = session.attach(role, peer, after_seq)
        if first is not None:
            peer.send(first)
        self.background(session.replay(role, attached, self.store), "replay")

    def _queue_of(self, chat_id: str) -> str | None:
        view = self.router.chat(chat_id)
        return view.queue if view is not None else None

    def _end(self, session: ChatSession, reason: EndReason, agent: str | None, now: float) -> None:
        log.info("chat ended", extra={"chat": session.chat_id, "queue": self._queue_of(session.chat_id),
                                      "agent": agent, "reason": reason.value})
        self.background(
            self.store.update_chat(session.chat_id, state=ChatState.ENDED, ended_at=now, end_reason=reason),
            "end",
        )
        self.audit(now, "ended", session.chat_id, agent, reason=reason.value)
        state = ChatState.ENDED if agent is not None else ChatState.CLOSED
        message = ChatEnded(chat_id=session.chat_id, reason=reason, text=END_TEXT[reason], state=state)
        frame = self.codec.encode(message)
        for attached in session.parties.values():
            attached.peer.send_shared(message, frame)

    def ended_frame(self, chat_id: str) -> ChatEnded | None:
        """What a party is told about a chat that is over (a late ``end_chat``, a resume), or None."""
        view = self.router.chat(chat_id)
        if view is None or view.end_reason is None:
            return None
        return ChatEnded(chat_id=chat_id, reason=view.end_reason, text=END_TEXT[view.end_reason])

    def audit(self, at: float, kind: str, chat_id: str | None, agent: str | None, **detail: str) -> None:
        self.background(self.store.audit(AuditEntry(at, kind, chat_id, agent, detail)), "audit")

    async def ensure_queue(self, name: str) -> QueueRecord | None:
        """The queue's settings, configuring the router the first time (queues added while running)."""
        record = self._queues.get(name)
        if record is None:
            record = await self.store.get_queue(name)
            if record is None:
                return None
            self._queues[name] = record
        if not self.router.has_queue(name):
            self.apply(ev.QueueConfigured(self.clock(), name, record.max_wait_s))
        return record

    # --- agents ----------------------------------------------------------------------

    def agent_online(self, conn: AgentConn, cursors: dict[str, int]) -> None:
        """A signed-in agent connection: replaces an older one, resumes its chats."""
        profile, peer = conn.profile, conn.peer
        old = self.agents.get(profile.username)
        if old is not None:
            self._forget_agent_peer(profile.username, old.peer)
            old.peer.error(ErrorCode.REPLACED, "signed in on another connection")
            old.peer.close(CloseCode.NORMAL, ErrorCode.REPLACED.value)
        self.names[profile.username] = profile.display_name
        self.agents[profile.username] = conn
        for queue in profile.queues:
            self._watchers.setdefault(queue, set()).add(profile.username)
        now = self.clock()
        self.apply(ev.AgentConfigured(now, profile.username, tuple(profile.queues), profile.capacity))
        self.apply(ev.AgentConnected(now, profile.username))
        peer.send(agent_status(self.router.agent_status(profile.username)))
        for chat_id in self.router.agent_chats(profile.username):
            session = self.sessions[chat_id]
            if session.peer(Role.AGENT) is peer:
                continue
            info = self.chat_info(session)
            waited = max(0.0, (info.assigned_at or info.created_at) - info.created_at)
            assigned = ChatAssigned(chat=info, waited_s=waited, resumed=True)
            self.attach(session, Role.AGENT, peer, cursors.get(chat_id, 0), assigned)
        for queue in profile.queues:
            peer.send(self.queue_status(queue))
        self.handovers.resend(profile.username)

    def agent_offline(self, username: str, peer: Peer, signed_out: bool) -> None:
        conn = self.agents.get(username)
        if conn is None or conn.peer is not peer:
            return  # replaced by a newer connection: nothing changes for the router
        self._forget_agent_peer(username, peer)
        self.apply(ev.AgentDisconnected(self.clock(), username, signed_out))

    def _forget_agent_peer(self, username: str, peer: Peer) -> None:
        conn = self.agents.pop(username, None)
        if conn is not None:
            for queue in conn.profile.queues:
                self._watchers.get(queue, set()).discard(username)
        for chat_id in self.router.agent_chats(username):
            self.sessions[chat_id].detach(Role.AGENT, peer)

    # --- messages --------------------------------------------------------------------

    async def post(
        self, session: ChatSession, sender: Role, sender_name: str, text: str, client_msg_id: str | None,
        file: FileRef | None = None,
    ) -> tuple[StoredMessage, bool]:
        """Store a message (durably), then deliver it; a resent client_msg_id is not stored twice."""
        message, new = await self.store.append_message(
            session.chat_id, sender, sender_name, text, self.clock(), client_msg_id, file
        )
        if new:
            session.add(message)
        return message, new

    def typing(self, session: ChatSession, sender: Role, name: str, active: bool) -> None:
        """Relay a typing indicator to the other side, if attached; never stored."""
        other = Role.REQUESTOR if sender is Role.AGENT else Role.AGENT
        if (peer := session.peer(other)) is not None:
            peer.send(PeerTyping(chat_id=session.chat_id, sender=sender, name=name, active=active))

    def callback_added(self, queue: str) -> None:
        self.callbacks[queue] = self.callbacks.get(queue, 0) + 1
        self.broadcast_queue_status(queue)

    def agent_replied(self, session: ChatSession, username: str) -> None:
        """The agent writes in the chat: refused once it ended (the router decides assigned -> active)."""
        self.apply(ev.AgentReplied(self.clock(), session.chat_id, username))

    def ack(self, session: ChatSession, party: Role, seq: int) -> None:
        """Record a delivery cursor; acks arriving together are written once, at the highest seq.

        An ack beyond the chat's last message is refused: a later resume would skip what it claims."""
        if seq > session.last_seq:
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"ack of seq {seq}: the chat's last is {session.last_seq}")
        chat_id = session.chat_id
        key = (chat_id, party)
        if key not in self._acks:
            if not self._acks:
                self.loop.call_soon(self._flush_acks)
            self._acks[key] = seq
        else:
            self._acks[key] = max(self._acks[key], seq)

    def _flush_acks(self) -> None:
        acks, self._acks = self._acks, {}
        for (chat_id, party), seq in acks.items():
            self.background(self.store.ack(chat_id, party, seq), "ack")


def waiting(p: Position) -> Waiting:
    return Waiting(chat_id=p.chat_id, position=p.position, waited_s=p.waited_s, max_wait_s=p.max_wait_s,
                   est_wait_s=p.est_wait_s)


def agent_status(s: AgentStatusChanged) -> AgentStatus:
    return AgentStatus(
        on_duty=s.on_duty, presence=s.presence, routable=s.routable, open_chats=list(s.chats),
        capacity=s.capacity,
    )

