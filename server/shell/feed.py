"""Messages another cluster node stored, into this node's open chats (docs/architecture.md, "Several nodes").

A :class:`~onduty.server.shell.sessions.ChatSession` delivers in ``seq`` order and once, whichever way a
message came; a message after a gap is held back. Messages come over a connection or pub/sub and may be
lost on the way (a node died between storing and telling): the store is the record, so a gap still open
after ``GAP_S`` is read from it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from onduty.server.shell.sessions import REPLAY_PAGE, ChatSession
from onduty.server.shell.writes import Writes
from onduty.server.store import Store, StoredMessage

GAP_S = 0.2
"""How long a message after a gap waits for the missing ones to arrive before they are read from the store."""


class Feed:
    """Messages other nodes stored, into this node's open chat sessions, in ``seq`` order and once; what did not
    come (a gap, or a time Redis was away) is read from the store."""

    def __init__(self, store: Store, writes: Writes, session: Callable[[str], ChatSession | None],
                 sessions: Callable[[], list[ChatSession]], gap_s: float = GAP_S) -> None:
        self._store = store
        self._gap_s = gap_s
        self._writes = writes
        self._session = session
        self._sessions = sessions
        self._gaps: set[str] = set()

    def arrived(self, message: StoredMessage) -> None:
        session = self._session(message.chat_id)
        if session is None:
            return
        session.add(message)
        if session.waiting_for_gap and message.chat_id not in self._gaps:
            self._gaps.add(message.chat_id)
            asyncio.get_running_loop().call_later(self._gap_s, self._fill_gap, message.chat_id)

    def _fill_gap(self, chat_id: str) -> None:
        self._gaps.discard(chat_id)
        session = self._session(chat_id)
        if session is not None and session.waiting_for_gap:
            self._writes.background(self.catch_up(session), "fill a gap")

    def catch_up_all(self) -> None:
        """Redis was away: what was published meanwhile is read from the store."""
        for session in self._sessions():
            self._writes.background(self.catch_up(session), "catch up")

    async def catch_up(self, session: ChatSession) -> None:
        """Everything stored for the chat after the last message the session has."""
        while self._session(session.chat_id) is session:
            page = await self._store.messages_after(session.chat_id, session.last_seq, limit=REPLAY_PAGE)
            before = session.last_seq
            for m in page:
                session.add(m)
            if len(page) < REPLAY_PAGE or session.last_seq == before:
                return
