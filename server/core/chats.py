"""Who may do what with a chat, and what the shell may know of it: the router's chat queries.

Mixed into :class:`~onduty.server.core.router.Router`, which owns every chat's state; the
shell asks here instead of keeping a copy. Rules:

- Only the agent holding a chat may write in it, end it, close it, ack it or hand it over
  (``unknown_chat`` for a chat the router does not hold, ``not_allowed`` for someone else's).
- Nobody writes in a chat that is over: ``chat_ended`` once it ended or closed (also for a
  requestor whose chat the router no longer holds).
- An agent may read a chat's transcript when the chat belongs to one of its queues, when it
  holds the chat, when the chat is offered or accepted to it in a handover discussion, or
  when a colleague sent it the chat as a business-context card (the only ground the router
  does not know: the shell passes it in).
- A waiting requestor's place in line, with the queue's limit and an estimate from its recent
  pace, is the same whether it is told on a change or asked for after a resume.
- After a restart, a chat comes back as it was stored; one that waited keeps its place by
  request time, and its waiting limit still counts from the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from onduty.server.core import events as ev
from onduty.server.core.decisions import Decision, Position
from onduty.server.core.estimate import WaitEstimator
from onduty.server.core.model import TIER_NEW, TIER_RETURNED, Chat, ChatView, Discussion, Line, Seat
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.types import ChatState

_OVER = (ChatState.ENDED, ChatState.CLOSED)


class ChatRules:
    """The chat half of the router's queries (see the module docstring for the rules)."""

    if TYPE_CHECKING:  # provided by Router
        now: float
        estimator: WaitEstimator
        _chats: dict[str, Chat]
        _seats: dict[str, Seat]
        _lines: dict[str, Line]
        _max_wait: dict[str, float]
        _discussions: dict[str, Discussion]
        _out: list[Decision]
        _touched_agents: set[str]
        _touched_queues: set[str]

        def _seat(self, username: str) -> Seat: ...
        def _place(self, chat: Chat, tier: int, since: float | None = None) -> None: ...
        def _close(self, chat: Chat) -> None: ...
        def _grace(self, seat: Seat) -> None: ...
        def _requestor_disconnected(self, chat_id: str) -> None: ...

    # --- queries ---------------------------------------------------------------------

    def chat(self, chat_id: str) -> ChatView | None:
        """The chat as the router holds it (None: not open, i.e. closed or never known)."""
        chat = self._chats.get(chat_id)
        return chat.view() if chat is not None else None

    def chat_state(self, chat_id: str) -> ChatState | None:
        chat = self._chats.get(chat_id)
        return chat.state if chat else None

    def chat_agent(self, chat_id: str) -> str | None:
        chat = self._chats.get(chat_id)
        return chat.agent if chat else None

    def line(self, queue: str) -> list[str]:
        """The chat ids waiting in ``queue``'s line, next first."""
        return self._lines[queue].ids() if queue in self._lines else []

    def held(self, chat_id: str, username: str) -> ChatView:
        """The chat, if ``username`` holds it; else ``unknown_chat`` / ``not_allowed``."""
        return self._held(chat_id, username).view()

    def check_writable(self, chat_id: str) -> ChatView:
        """The chat, if messages may still be added to it; else ``chat_ended``."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.state in _OVER:
            raise ProtocolError(ErrorCode.CHAT_ENDED, chat_id)
        return chat.view()

    def may_read(self, username: str, chat_id: str, chat_queue: str, shared_with_me: bool = False) -> bool:
        """Whether ``username`` may read the transcript of ``chat_id`` (of ``chat_queue``, open or archived)."""
        seat = self._seats.get(username)
        if seat is not None and chat_queue in seat.queues:
            return True
        chat = self._chats.get(chat_id)
        if chat is not None and chat.agent == username:
            return True
        if any(d.chat_id == chat_id and d.receiver == username and d.open for d in self._discussions.values()):
            return True
        return shared_with_me

    def waiting(self, chat_id: str) -> Position | None:
        """The chat's place in its queue's line now (None: it is not waiting)."""
        chat = self._chats.get(chat_id)
        if chat is None or chat.line_key is None:
            return None
        position = self._lines[chat.queue].position(chat.line_key)
        return Position(chat_id, position, self.now - chat.requested_at, self._max_wait[chat.queue],
                        self.estimator.estimate(chat.queue, position, self.now))

    def queue_estimate(self, queue: str, position: int) -> float | None:
        """How long the requestor at ``position`` of ``queue`` can expect to wait (None: no pace yet)."""
        return self.estimator.estimate(queue, position, self.now)

    # --- helpers for the router --------------------------------------------------------

    def _held(self, chat_id: str, username: str) -> Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            raise ProtocolError(ErrorCode.UNKNOWN_CHAT, chat_id)
        if chat.agent != username:
            raise ProtocolError(ErrorCode.NOT_ALLOWED, f"chat {chat_id} is not yours")
        return chat

    def _restore(self, event: ev.ChatRestored) -> None:
        if event.queue not in self._max_wait:
            raise ProtocolError(ErrorCode.UNKNOWN_QUEUE, event.queue)
        chat = Chat(chat_id=event.chat_id, queue=event.queue, requested_at=event.requested_at,
                    assigned_at=event.assigned_at, ended_at=event.ended_at, end_reason=event.end_reason)
        self._chats[chat.chat_id] = chat
        if event.agent is None and event.state in _OVER:
            # Over before any agent held it (e.g. a restart between End and Close): just close it.
            chat.state = ChatState.ENDED
            self._close(chat)
            return
        if event.state is not ChatState.ENDED:
            self._requestor_disconnected(chat.chat_id)
        if event.agent is None or event.state is ChatState.WAITING:
            if event.assigned_at is None:  # never served: its wait counts from the request
                self._place(chat, TIER_NEW, since=event.requested_at)
            else:  # served once, then back in line: ahead of new requests, as before the restart
                chat.waited_before = max(0.0, event.assigned_at - event.requested_at)
                self._place(chat, TIER_RETURNED)
            return
        seat = self._seat(event.agent)
        chat.state, chat.agent = event.state, event.agent
        seat.chats.append(chat.chat_id)
        self._touched_agents.add(seat.username)
        self._touched_queues.update(seat.queues)
        if not seat.connected and seat.lost_deadline is None:
            self._grace(seat)
