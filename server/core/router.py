"""Presence-based routing: the rules of seed 000 as a pure state machine.

No I/O, no asyncio, no wall clock: every event carries its time, every answer is a list
of decisions for the shell to perform. Rules:

- An agent is *routable* when connected AND On Duty AND Available AND holding fewer chats
  than its capacity (default 1: an open chat window blocks routing until it is closed).
- A request goes to the routable agent of its queue holding the fewest chats, then the
  one free for longest, then by name; a request that prefers an agent ("chat again with
  the same agent") goes to that agent if it is routable in the queue. With nobody routable it joins the queue's waiting
  line (FIFO) and is told its position whenever that changes.
- A request that waits longer than its queue's limit (120 s by default) ends with
  ``timeout``: all agents are busy, try again later. The limit counts from the request
  (``requested_at``), so a server restart does not start it again; a chat that was served and
  went back to the line (requeue, cold transfer) has the limit minus the time it waited before.
- When an agent becomes routable it takes at once the request that has waited longest
  at the head of any of its queues' lines.
- A chat goes waiting -> assigned -> active (the agent replied) -> ended -> closed (the
  agent closed the window). The agent keeps an ended chat, and its capacity, until then.
- An agent whose connection drops keeps its chats, duty and presence for ``agent_grace_s``;
  after that its running chats go back to the head of their line, its ended ones are closed
  and it is Off Duty. Signing out does all that at once. After a server restart every agent
  that was On Duty gets the same grace (``AgentRestored``).
- A requestor whose connection drops has ``requestor_grace_s`` to resume; after that it
  has left (a waiting request leaves the line; a running chat ends).
- Invariant: no chat waits in a queue while an agent of that queue is routable.
- Warm handover and cold transfer: see :mod:`onduty.server.core.handover`.
"""

from __future__ import annotations

from collections.abc import Iterable

from onduty.server.core import events as ev
from onduty.server.core.chats import ChatRules
from onduty.server.core.decisions import (
    Activated,
    AgentStatusChanged,
    Assign,
    Close,
    Decision,
    End,
    Position,
    QueueStatusChanged,
    Requeue,
)
from onduty.server.core.estimate import WaitEstimator
from onduty.server.core.handover import HandoverRules
from onduty.server.core.model import TIER_NEW, TIER_RETURNED, Chat, Deadlines, Discussion, Line, RouterConfig, Seat
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.types import ChatState, DiscussionState, EndReason

_RUNNING = (ChatState.ASSIGNED, ChatState.ACTIVE)
_NEW, _RETURNED = TIER_NEW, TIER_RETURNED


class Router(HandoverRules, ChatRules):
    """Feed events with :meth:`apply`; call it with :class:`~.events.Tick` at :meth:`next_deadline`."""

    def __init__(self, config: RouterConfig | None = None) -> None:
        self.config = config or RouterConfig()
        self.now = 0.0
        self._max_wait: dict[str, float] = {}
        self._lines: dict[str, Line] = {}
        self._members: dict[str, set[str]] = {}
        self._seats: dict[str, Seat] = {}
        self._chats: dict[str, Chat] = {}
        self._discussions: dict[str, Discussion] = {}
        self._deadlines = Deadlines()
        self._serial = 0
        self._out: list[Decision] = []
        self._touched_agents: set[str] = set()
        self._counts: dict[str, tuple[int, int]] = {}
        """Per queue: its agents connected and On Duty, and its routable agents (kept by :meth:`_count`)."""
        self._counted: dict[str, tuple[tuple[str, ...], bool, bool]] = {}
        """Per agent: its queues, On Duty, routable, as counted in ``_counts``."""
        self._touched_queues: set[str] = set()
        self._dirty_lines: dict[str, int] = {}
        self._told_agents: dict[str, AgentStatusChanged] = {}
        self._told_queues: dict[str, QueueStatusChanged] = {}
        self.estimator = WaitEstimator()

    # --- entry points ----------------------------------------------------------------

    def apply(self, event: ev.Event) -> list[Decision]:
        """Apply one event; raises :class:`ProtocolError` (state unchanged) if it breaks a rule."""
        self.now = max(self.now, event.at)
        self._out = []
        match event:
            case ev.QueueConfigured(queue=queue, max_wait_s=max_wait):
                self._configure_queue(queue, max_wait)
            case ev.AgentConfigured(username=username, queues=queues, capacity=capacity):
                self._configure_agent(username, queues, capacity)
            case ev.AgentRestored():
                self._restore_agent(event)
            case ev.AgentConnected(username=username):
                self._set_seat(username, connected=True)
            case ev.AgentDisconnected(username=username, signed_out=signed_out):
                self._disconnect(username, signed_out)
            case ev.DutySet(username=username, on_duty=on_duty):
                self._set_seat(username, on_duty=on_duty)
            case ev.PresenceSet(username=username, presence=presence):
                self._set_seat(username, presence=presence)
            case ev.ChatRequested(chat_id=chat_id, queue=queue, prefer=prefer):
                self._request(chat_id, queue, prefer)
            case ev.AgentReplied(chat_id=chat_id, username=username):
                self._agent_replied(chat_id, username)
            case ev.RequestorDisconnected(chat_id=chat_id):
                self._requestor_disconnected(chat_id)
            case ev.RequestorReconnected(chat_id=chat_id):
                self._requestor_reconnected(chat_id)
            case ev.RequestorEnded(chat_id=chat_id):
                self._requestor_ended(chat_id)
            case ev.AgentEnded(chat_id=chat_id, username=username):
                self._agent_ended(chat_id, username)
            case ev.AgentClosed(chat_id=chat_id, username=username):
                self._agent_closed(chat_id, username)
            case ev.DiscussionRequested(discussion_id=d, chat_id=chat_id, sender=sender, queue=queue,
                                        colleague=colleague):
                self._discuss(d, chat_id, sender, queue, colleague)
            case ev.DiscussionAnswered(discussion_id=d, username=username, accept=accept):
                self._answer(d, username, accept)
            case ev.DiscussionCancelled(discussion_id=d, username=username):
                self._cancel(d, username)
            case ev.TransferRequested(discussion_id=d, username=username):
                self._transfer(d, username)
            case ev.ColdTransferRequested(chat_id=chat_id, username=username, queue=queue):
                self._cold_transfer(chat_id, username, queue)
            case ev.ChatRestored():
                self._restore(event)
            case ev.Tick():
                self._fire_due()
            case _:
                raise TypeError(f"unknown event {event!r}")
        self._report()
        out, self._out = self._out, []
        return out

    def next_deadline(self) -> float | None:
        """When the next :class:`~.events.Tick` is due, or None when nothing is pending."""
        while (top := self._deadlines.peek()) is not None and not self._is_live(*top):
            self._deadlines.pop()
        return top[0] if top else None

    # --- queries for the shell -------------------------------------------------------

    def has_queue(self, queue: str) -> bool:
        return queue in self._max_wait

    def agent_chats(self, username: str) -> tuple[str, ...]:
        seat = self._seats.get(username)
        return tuple(seat.chats) if seat else ()

    def queue_status(self, queue: str) -> QueueStatusChanged:
        on_duty, routable = self._counts.get(queue, (0, 0))
        return QueueStatusChanged(queue=queue, waiting=len(self._lines.get(queue, ())), on_duty=on_duty,
                                  routable=routable)

    def _count(self, username: str) -> None:
        """Bring the per-queue counts of agents On Duty and routable up to date with the seat (after an event
        touched it): O(its queues) instead of a scan of every member, which with a thousand agents in a queue
        was most of the router's time."""
        seat = self._seats.get(username)
        new = (seat.queues, seat.connected and seat.on_duty, seat.routable) if seat else ((), False, False)
        old = self._counted.get(username, ((), False, False))
        if new == old:
            return
        for queue in old[0]:
            on_duty, routable = self._counts[queue]
            self._counts[queue] = (on_duty - old[1], routable - old[2])
        for queue in new[0]:
            on_duty, routable = self._counts.get(queue, (0, 0))
            self._counts[queue] = (on_duty + new[1], routable + new[2])
        self._counted[username] = new

    def agent_status(self, username: str) -> AgentStatusChanged:
        seat = self._seats[username]
        return AgentStatusChanged(
            username=username,
            connected=seat.connected,
            on_duty=seat.on_duty,
            presence=seat.presence,
            routable=seat.routable,
            chats=tuple(seat.chats),
            capacity=seat.capacity,
        )

    def snapshot(self) -> dict[str, object]:
        """Everything that decides future routing, as plain values (for replay checks)."""
        return {
            "queues": dict(self._max_wait),
            "lines": {q: line.ids() for q, line in self._lines.items()},
            "seats": {
                n: (s.queues, s.capacity, s.connected, s.on_duty, s.presence, tuple(s.chats), s.free_since,
                    s.lost_deadline)
                for n, s in self._seats.items()
            },
            "chats": {
                c.chat_id: (c.queue, c.state, c.agent, c.requestor_connected, c.wait_deadline,
                            c.requestor_deadline)
                for c in self._chats.values()
            },
            "discussions": {
                d.discussion_id: (d.chat_id, d.sender, d.receiver, d.state, d.expires_at)
                for d in self._discussions.values()
            },
            "reserved": {n: sorted(s.reserved) for n, s in self._seats.items() if s.reserved},
        }

    # --- configuration and agents ----------------------------------------------------

    def _configure_queue(self, queue: str, max_wait: float) -> None:
        if max_wait <= 0:
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"max wait of {queue} must be positive")
        self._max_wait[queue] = max_wait
        self._lines.setdefault(queue, Line())
        self._members.setdefault(queue, set())
        self._touched_queues.add(queue)

    def _seat(self, username: str) -> Seat:
        seat = self._seats.get(username)
        if seat is None:
            seat = self._seats[username] = Seat(username=username, free_since=self.now)
        return seat

    def _configure_agent(self, username: str, queues: tuple[str, ...], capacity: int) -> None:
        if capacity < 1:
            raise ProtocolError(ErrorCode.INVALID_VALUE, "capacity must be at least 1")
        unknown = [q for q in queues if q not in self._max_wait]
        if unknown:
            raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, ", ".join(unknown))
        seat = self._seat(username)
        was_routable = seat.routable
        for queue in seat.queues:
            self._members[queue].discard(username)
        self._touched_queues.update(seat.queues)
        seat.queues = tuple(dict.fromkeys(queues))
        seat.capacity = capacity
        for queue in seat.queues:
            self._members[queue].add(username)
        self._seat_changed(seat, was_routable)

    def _set_seat(self, username: str, **changes: object) -> None:
        seat = self._seat(username)
        was_routable = seat.routable
        for name, value in changes.items():
            setattr(seat, name, value)
        if seat.connected:
            seat.lost_deadline = None
        self._seat_changed(seat, was_routable)

    def _seat_changed(self, seat: Seat, was_routable: bool) -> None:
        self._touched_agents.add(seat.username)
        self._touched_queues.update(seat.queues)
        if seat.routable and not was_routable:
            seat.free_since = self.now
        self._feed(seat)

    def _disconnect(self, username: str, signed_out: bool) -> None:
        seat = self._seat(username)
        seat.connected = False
        self._receiver_left(username)
        self._seat_changed(seat, was_routable=False)
        if signed_out:
            self._release(seat)
        else:
            self._grace(seat)

    def _grace(self, seat: Seat) -> None:
        seat.lost_deadline = self.now + self.config.agent_grace_s
        self._deadlines.add(seat.lost_deadline, "agent", seat.username)

    def _restore_agent(self, event: ev.AgentRestored) -> None:
        self._configure_agent(event.username, event.queues, event.capacity)
        seat = self._seats[event.username]
        if not seat.connected:
            seat.on_duty, seat.presence = event.on_duty, event.presence
            if seat.lost_deadline is None:
                self._grace(seat)

    def _release(self, seat: Seat) -> None:
        """The agent is gone for good: running chats go back to the line, ended ones close; Off Duty."""
        seat.lost_deadline = None
        seat.on_duty = False
        for chat_id in list(seat.chats):
            chat = self._chats[chat_id]
            if chat.state in _RUNNING:
                self._end_discussions(chat_id, DiscussionState.CHAT_ENDED)
                seat.chats.remove(chat_id)
                chat.agent = None
                self._out.append(Requeue(chat_id=chat_id, agent=seat.username))
                self._place(chat, _RETURNED)
            else:
                self._close(chat)
        self._touched_agents.add(seat.username)

    # --- requests and lines ----------------------------------------------------------

    def _request(self, chat_id: str, queue: str, prefer: str | None) -> None:
        if queue not in self._max_wait:
            raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, queue)
        if chat_id in self._chats:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, f"chat {chat_id} exists")
        chat = self._chats[chat_id] = Chat(chat_id=chat_id, queue=queue, requested_at=self.now)
        seat = self._seats.get(prefer) if prefer is not None else None
        if seat is not None and seat.routable and prefer in self._members.get(queue, ()):
            self._assign(chat, seat)
            return
        self._place(chat, _NEW)

    def _place(self, chat: Chat, tier: int, since: float | None = None) -> None:
        """Assign at once, or join the line; ``since``: when this stay in line began (default now)."""
        seat = self._best_agent(chat.queue)
        if seat is not None:
            self._assign(chat, seat)
            return
        self._serial += 1
        chat.state = ChatState.WAITING
        chat.line_key = (tier, chat.requested_at, self._serial)
        index = self._lines[chat.queue].insert(chat.line_key, chat.chat_id)
        self._mark_line(chat.queue, index)
        chat.line_since = self.now if since is None else since
        left = max(0.0, self._max_wait[chat.queue] - chat.waited_before)
        chat.wait_deadline = chat.line_since + left
        self._deadlines.add(chat.wait_deadline, "wait", chat.chat_id)

    def _unwait(self, chat: Chat) -> None:
        assert chat.line_key is not None and chat.line_since is not None
        index = self._lines[chat.queue].remove(chat.line_key)
        self._mark_line(chat.queue, index)
        chat.waited_before += max(0.0, self.now - chat.line_since)
        chat.line_key = chat.wait_deadline = chat.told_position = chat.line_since = None

    def _mark_line(self, queue: str, index: int) -> None:
        self._dirty_lines[queue] = min(index, self._dirty_lines.get(queue, index))
        self._touched_queues.add(queue)

    def _best_agent(self, queue: str, exclude: str | None = None) -> Seat | None:
        candidates = (self._seats[name] for name in self._members.get(queue, ()) if name != exclude)
        routable = [s for s in candidates if s.routable]
        if not routable:
            return None
        return min(routable, key=lambda s: (len(s.chats), s.free_since, s.username))

    def _assign(self, chat: Chat, seat: Seat) -> None:
        chat.state = ChatState.ASSIGNED
        chat.agent, chat.assigned_at = seat.username, self.now
        handed_by, chat.handed_by = chat.handed_by, None
        seat.chats.append(chat.chat_id)
        self._touched_agents.add(seat.username)
        self._touched_queues.update(seat.queues)
        self.estimator.assigned(chat.queue, self.now)
        self._out.append(Assign(chat.chat_id, seat.username, self.now - chat.requested_at, handed_by))

    def _feed(self, seat: Seat) -> None:
        """Give a routable agent the longest-waiting heads of its queues' lines."""
        while seat.routable:
            heads = [h for q in seat.queues if (h := self._lines[q].head()) is not None]
            if not heads:
                return
            _key, chat_id = min(heads)
            chat = self._chats[chat_id]
            self._unwait(chat)
            self._assign(chat, seat)

    # --- chat lifecycle --------------------------------------------------------------

    def _agent_replied(self, chat_id: str, username: str) -> None:
        chat = self._held(chat_id, username)
        if chat.state is ChatState.ENDED:
            raise ProtocolError(ErrorCode.CHAT_ENDED, chat_id)
        if chat.state is ChatState.ASSIGNED:
            chat.state = ChatState.ACTIVE
            self._out.append(Activated(chat_id))

    def _agent_ended(self, chat_id: str, username: str) -> None:
        chat = self._held(chat_id, username)
        if chat.state in _RUNNING:
            self._end(chat, EndReason.AGENT_ENDED)

    def _agent_closed(self, chat_id: str, username: str) -> None:
        chat = self._held(chat_id, username)
        if chat.state in _RUNNING:
            self._end(chat, EndReason.AGENT_CLOSED)
        self._close(chat)

    def _requestor_ended(self, chat_id: str) -> None:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, chat_id)
        self._requestor_gone(chat)

    def _requestor_gone(self, chat: Chat) -> None:
        if chat.state is ChatState.WAITING:
            self._unwait(chat)
            self._end(chat, EndReason.REQUESTOR_LEFT)
            self._close(chat)
        elif chat.state in _RUNNING:
            self._end(chat, EndReason.REQUESTOR_LEFT)

    def _requestor_disconnected(self, chat_id: str) -> None:
        chat = self._chats.get(chat_id)
        if chat is None or chat.state is ChatState.ENDED:
            return
        chat.requestor_connected = False
        chat.requestor_deadline = self.now + self.config.requestor_grace_s
        self._deadlines.add(chat.requestor_deadline, "requestor", chat_id)

    def _requestor_reconnected(self, chat_id: str) -> None:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, chat_id)
        chat.requestor_connected = True
        chat.requestor_deadline = None

    def _end(self, chat: Chat, reason: EndReason) -> None:
        chat.state, chat.ended_at, chat.end_reason = ChatState.ENDED, self.now, reason
        chat.requestor_deadline = None
        self._out.append(End(chat.chat_id, reason, chat.agent))
        self._end_discussions(chat.chat_id, DiscussionState.CHAT_ENDED)

    def _close(self, chat: Chat) -> None:
        del self._chats[chat.chat_id]
        chat.state = ChatState.CLOSED
        self._out.append(Close(chat.chat_id, chat.agent))
        self._touched_queues.add(chat.queue)
        if chat.agent is not None:
            seat = self._seats[chat.agent]
            was_routable = seat.routable
            seat.chats.remove(chat.chat_id)
            self._seat_changed(seat, was_routable)

    # --- time ------------------------------------------------------------------------

    def _is_live(self, at: float, kind: str, key: str) -> bool:
        if kind == "discussion":
            return self._discussion_live(at, key)
        if kind == "agent":
            seat = self._seats.get(key)
            return seat is not None and seat.lost_deadline == at
        chat = self._chats.get(key)
        if chat is None:
            return False
        return (chat.wait_deadline if kind == "wait" else chat.requestor_deadline) == at

    def _fire_due(self) -> None:
        while (top := self._deadlines.peek()) is not None and top[0] <= self.now:
            self._deadlines.pop()
            at, kind, key = top
            if not self._is_live(at, kind, key):
                continue
            if kind == "agent":
                self._release(self._seats[key])
            elif kind == "discussion":
                self._discussion_due(key)
            elif kind == "wait":
                chat = self._chats[key]
                self._unwait(chat)
                self._end(chat, EndReason.TIMEOUT)
                self._close(chat)
            else:
                self._requestor_gone(self._chats[key])

    # --- reporting -------------------------------------------------------------------

    def _report(self) -> None:
        for queue, start in self._dirty_lines.items():
            self._report_positions(queue, start)
        self._dirty_lines.clear()
        for username in sorted(self._touched_agents):
            self._count(username)
            status = self.agent_status(username)
            if self._told_agents.get(username) != status:
                self._told_agents[username] = status
                self._out.append(status)
        for queue in sorted(self._touched_queues):
            qstatus = self.queue_status(queue)
            if self._told_queues.get(queue) != qstatus:
                self._told_queues[queue] = qstatus
                self._out.append(qstatus)
        self._touched_agents.clear()
        self._touched_queues.clear()

    def _report_positions(self, queue: str, start: int) -> None:
        max_wait = self._max_wait[queue]
        ids: Iterable[str] = self._lines[queue].ids_from(start)
        for position, chat_id in enumerate(ids, start + 1):
            chat = self._chats[chat_id]
            if chat.told_position != position:
                chat.told_position = position
                estimate = self.estimator.estimate(queue, position, self.now)
                self._out.append(Position(chat_id, position, self.now - chat.requested_at, max_wait, estimate))
