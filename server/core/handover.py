"""Warm handover (seed 001) as router rules: discuss, accept, transfer; and the cold fallback.

Mixed into :class:`~onduty.server.core.router.Router`, whose seats, chats and deadlines it
uses. Rules:

- Only the agent holding a running chat may offer it, one open discussion per chat at a time.
- A discussion goes to one *routable* agent of the chosen queue (other than the sender),
  chosen as for chats (fewest chats, then longest free), or to the chosen colleague if
  that colleague is routable. Nobody: it ends at once as ``nobody_available``.
- While offered or accepted the discussion holds a place of the receiver's capacity, so
  no new chat is routed to the receiver in between.
- Not accepted within ``discussion_timeout_s``: ``expired`` (the sender may try another queue).
  The receiver may decline; the sender may cancel.
- Transfer only after acceptance: the chat moves to the receiver (its place turns into the
  chat) and, when a queue was asked, into that queue; the sender's place is free at once
  (it may be fed the next waiting request).
- The discussion ends as ``chat_ended`` when the chat ends or goes back to the line, and
  as ``receiver_left`` when the receiver's connection drops.
- Cold transfer: the sender's chat goes to the head of the chosen queue's line (or at once
  to a routable agent there); open discussions are cancelled. Only to a queue the sender is
  not in (within its own queues it would come straight back: discuss with a colleague instead).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from onduty.server.core.decisions import Decision, DiscussionChanged, Transferred
from onduty.server.core.model import TIER_RETURNED, Chat, Deadlines, Discussion, RouterConfig, Seat
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.types import ChatState, DiscussionState

_RUNNING = (ChatState.ASSIGNED, ChatState.ACTIVE)


class HandoverRules:
    """The handover half of the router (see the module docstring for the rules)."""

    if TYPE_CHECKING:  # provided by Router
        config: RouterConfig
        now: float
        _chats: dict[str, Chat]
        _seats: dict[str, Seat]
        _max_wait: dict[str, float]
        _deadlines: Deadlines
        _out: list[Decision]
        _touched_agents: set[str]

        def _held(self, chat_id: str, username: str) -> Chat: ...
        def _best_agent(self, queue: str, exclude: str | None = None) -> Seat | None: ...
        def _place(self, chat: Chat, tier: int) -> None: ...
        def _seat_changed(self, seat: Seat, was_routable: bool) -> None: ...

    _discussions: dict[str, Discussion]

    # --- queries ---------------------------------------------------------------------

    def discussion(self, discussion_id: str) -> Discussion | None:
        return self._discussions.get(discussion_id)

    def discussions_of(self, username: str) -> list[Discussion]:
        """Open discussions the agent sends or receives (to show again after a reconnect)."""
        return [d for d in self._discussions.values() if username in (d.sender, d.receiver)]

    # --- events ----------------------------------------------------------------------

    def _discuss(self, discussion_id: str, chat_id: str, sender: str, queue: str | None,
                 colleague: str | None) -> None:
        chat = self._held(chat_id, sender)
        if chat.state not in _RUNNING:
            raise ProtocolError(ErrorCode.CHAT_ENDED, chat_id)
        if (queue is None) == (colleague is None):
            raise ProtocolError(ErrorCode.INVALID_VALUE, "choose a queue or a colleague")
        if discussion_id in self._discussions:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, f"discussion {discussion_id} exists")
        if any(d.chat_id == chat_id for d in self._discussions.values()):
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "this chat is already being discussed")
        if queue is not None:
            if queue not in self._max_wait:
                raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, queue)
            seat = self._best_agent(queue, exclude=sender)
        else:
            if colleague == sender:
                raise ProtocolError(ErrorCode.INVALID_VALUE, "choose someone else")
            candidate = self._seats.get(colleague or "")
            seat = candidate if candidate is not None and candidate.routable else None
        if seat is None:
            self._out.append(DiscussionChanged(discussion_id, chat_id, sender, None, queue,
                                               DiscussionState.NOBODY_AVAILABLE))
            return
        d = Discussion(discussion_id, chat_id, sender, seat.username, queue,
                       expires_at=self.now + self.config.discussion_timeout_s)
        self._discussions[discussion_id] = d
        assert d.expires_at is not None
        self._deadlines.add(d.expires_at, "discussion", discussion_id)
        seat.reserved.add(discussion_id)
        self._touched_agents.add(seat.username)
        self._tell(d)

    def _answer(self, discussion_id: str, username: str, accept: bool) -> None:
        d = self._open(discussion_id, username, receiver=True)
        if d.state is DiscussionState.ACCEPTED:
            if not accept:
                raise ProtocolError(ErrorCode.NOT_ALLOWED, "already accepted; ask the sender to cancel")
            return
        if accept:
            d.state, d.expires_at = DiscussionState.ACCEPTED, None
            self._tell(d)
        else:
            self._finish(d, DiscussionState.DECLINED)

    def _cancel(self, discussion_id: str, username: str) -> None:
        self._finish(self._open(discussion_id, username, receiver=False), DiscussionState.CANCELLED)

    def _transfer(self, discussion_id: str, username: str) -> None:
        d = self._open(discussion_id, username, receiver=False)
        if d.state is not DiscussionState.ACCEPTED:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "the receiver has not accepted yet")
        chat = self._chats[d.chat_id]
        sender, receiver = self._seats[d.sender], self._seats[d.receiver]
        del self._discussions[d.discussion_id]
        receiver.reserved.discard(d.discussion_id)
        receiver.chats.append(chat.chat_id)
        chat.agent = receiver.username
        chat.queue = d.queue or chat.queue
        self._touched_agents.add(receiver.username)
        d.state = DiscussionState.TRANSFERRED
        self._out.append(Transferred(chat.chat_id, sender.username, receiver.username, chat.queue))
        self._tell(d)
        was_routable = sender.routable
        sender.chats.remove(chat.chat_id)
        self._seat_changed(sender, was_routable)

    def _cold_transfer(self, chat_id: str, username: str, queue: str) -> None:
        chat = self._held(chat_id, username)
        if chat.state not in _RUNNING:
            raise ProtocolError(ErrorCode.CHAT_ENDED, chat_id)
        if queue not in self._max_wait:
            raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, queue)
        sender = self._seats[username]
        if queue in sender.queues:
            raise ProtocolError(ErrorCode.NOT_ROUTABLE, f"you are in {queue} yourself: discuss with a colleague")
        self._end_discussions(chat_id, DiscussionState.CANCELLED)
        was_routable = sender.routable
        sender.chats.remove(chat_id)
        chat.agent, chat.queue, chat.handed_by = None, queue, username
        self._out.append(Transferred(chat_id, username, None, queue))
        self._place(chat, TIER_RETURNED)
        self._seat_changed(sender, was_routable)

    # --- hooks the router calls ------------------------------------------------------

    def _end_discussions(self, chat_id: str, state: DiscussionState) -> None:
        """The chat ended or went back to the line (or a cold transfer): its discussion is over."""
        for d in [d for d in self._discussions.values() if d.chat_id == chat_id]:
            self._finish(d, state)

    def _receiver_left(self, username: str) -> None:
        for d in [d for d in self._discussions.values() if d.receiver == username]:
            self._finish(d, DiscussionState.RECEIVER_LEFT)

    def _discussion_due(self, discussion_id: str) -> None:
        d = self._discussions[discussion_id]
        self._finish(d, DiscussionState.EXPIRED)

    def _discussion_live(self, at: float, discussion_id: str) -> bool:
        d = self._discussions.get(discussion_id)
        return d is not None and d.state is DiscussionState.OFFERED and d.expires_at == at

    # --- helpers ---------------------------------------------------------------------

    def _open(self, discussion_id: str, username: str, receiver: bool) -> Discussion:
        d = self._discussions.get(discussion_id)
        if d is None:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, f"no open discussion {discussion_id}")
        if username != (d.receiver if receiver else d.sender):
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "not your discussion to answer" if receiver
                                else "only the sender may do that")
        return d

    def _finish(self, d: Discussion, state: DiscussionState) -> None:
        del self._discussions[d.discussion_id]
        d.state, d.expires_at = state, None
        seat = self._seats[d.receiver]
        was_routable = seat.routable
        seat.reserved.discard(d.discussion_id)
        self._tell(d)
        self._seat_changed(seat, was_routable)

    def _tell(self, d: Discussion) -> None:
        self._out.append(DiscussionChanged(d.discussion_id, d.chat_id, d.sender, d.receiver, d.queue, d.state,
                                           d.expires_at))
