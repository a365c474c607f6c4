"""The persistence contract the shell and the CLI use; SQLite and PostgreSQL implement it.

:class:`Store` is the combination of smaller protocols split by role: :class:`Lifecycle`,
:class:`ChatStore` (chats, messages, delivery cursors, audit, memos, files),
:class:`DirectoryStore` (queues, agents and their duty/presence, sites, sessions, canned
messages, callback requests), :class:`CollabStore` (handover discussions, contacts, instant
messages) and :class:`~onduty.server.store.base_cases.CaseStore`. A function that needs only
one role should take only that protocol. Every record type is in
:mod:`onduty.server.store.records`; every exception in :mod:`onduty.server.store.errors`.

Guarantees every implementation keeps (``tests/store`` checks them for each one):

1. **Order.** Writes are applied in the order the store receives them, and a write method
   receives its write before its coroutine first suspends. So writes whose coroutines *start*
   in a given order are applied in that order, also across transactions; in particular the
   writes for one chat never overtake each other. This is the order in which the coroutines
   start running, not the order in which they were created: a write handed to a task (the
   shell's fire-and-forget ``Writes.background``) starts on a later event-loop turn than one awaited
   at once, and tasks start in the order they were created. ``append_message`` is not a coroutine:
   its write is received when it is called, so its order is the order of the calls.
2. **Acknowledged means durable.** A write is acknowledged when its awaitable completes without
   raising; by then it is committed durably (SQLite: ``synchronous = FULL``, the default, so it
   survives a power cut; with ``sqlite_synchronous = NORMAL`` it survives a crash of the
   process, not necessarily of the machine; PostgreSQL: committed with the database's
   ``synchronous_commit``, on by default). A write whose awaitable raised stored nothing (PostgreSQL:
   except when the connection was lost during the COMMIT itself, when the outcome cannot be known; a
   resent message is then deduplicated by its ``client_msg_id``). A write whose caller was cancelled
   may still be applied.
3. **Reads see acknowledged writes.** A read started after a write was acknowledged sees it.
4. **Failures.** Every error is a :class:`~onduty.server.store.errors.StoreError`:
   ``StoreRefused`` (the data does not allow it; retrying fails again) or ``StoreUnavailable``
   (the database failed; nothing was stored). Driver exceptions are wrapped, never passed on;
   the exception rules of :mod:`onduty.server.core` (``CaseRuleError``) pass through unchanged.
   Short contention (SQLite: ``SQLITE_BUSY`` / "database is locked") is retried inside the
   store a few times with a short backoff before ``StoreUnavailable`` is raised.
   :attr:`Lifecycle.healthy` is False after a write failed for good, until a later write succeeds.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Protocol

from onduty.server.core.roles import StaffRole
from onduty.server.store.base_cases import CaseStore, case_store
from onduty.server.store.errors import StoreError
from onduty.server.store.records import (
    AgentRecord,
    AgentState,
    AuditEntry,
    ChatRecord,
    FileRecord,
    ImRecord,
    QueueRecord,
    RatingRecord,
    SessionRecord,
    SiteRecord,
    StaffingAlertRecord,
    StoredMessage,
    WhisperRecord,
)
from onduty.shared.types import (
    BusinessContext,
    CallbackInfo,
    CannedMessage,
    ChatRating,
    ChatState,
    DiscussionState,
    EndReason,
    FileRef,
    Memo,
    Presence,
    Role,
)

__all__ = ["MAX_PAGE", "CaseStore", "ChatStore", "CollabStore", "DirectoryStore", "Lifecycle", "StaffingStore", "Store",
           "StoreError", "case_store"]

MAX_PAGE = 1000
"""The most messages ``messages_after`` returns in one call, whatever its ``limit`` says.
Read a longer transcript page by page: ask again after the last ``seq`` you got."""


class Lifecycle(Protocol):
    async def open(self) -> None:
        """Connect, then create or migrate the schema; call once before any other method.
        StoreError if the database is newer than this release or cannot be reached."""

    async def close(self) -> None:
        """Finish every write already received, then release the database; a second call does nothing."""

    @property
    def healthy(self) -> bool:
        """False after a write failed for good (``StoreUnavailable``) until a later write succeeds.
        Refused writes (``StoreRefused``) do not count: they are the caller's fault, not the store's."""


class ChatStore(Protocol):
    """Chats, their messages and delivery cursors, the routing audit trail, memos, files and ratings."""

    async def rate_chat(self, chat_id: str, rating: ChatRating) -> bool:
        """Store the requestor's rating of the chat; False (nothing changed) when it has one already.
        StoreRefused for an unknown chat or a rating outside 1..5."""

    async def chat_rating(self, chat_id: str) -> ChatRating | None: ...

    async def list_ratings(self, queues: Sequence[str], since: float, until: float) -> list[RatingRecord]:
        """Ratings given in ``[since, until)`` of chats of ``queues``, oldest first (for a supervisor report)."""

    async def add_whisper(self, chat_id: str, sender: str, sender_name: str, text: str, at: float) -> WhisperRecord:
        """Store a supervisor's whisper to the chat's agent; StoreRefused for an unknown chat."""

    async def whispers(self, chat_id: str) -> list[WhisperRecord]:
        """The chat's whispers, oldest first."""

    async def create_chat(self, chat: ChatRecord) -> None:
        """StoreRefused if the chat id exists or its queue is unknown."""

    async def get_chat(self, chat_id: str) -> ChatRecord | None: ...

    async def update_chat(
        self,
        chat_id: str,
        *,
        state: ChatState,
        agent: str | None = None,
        assigned_at: float | None = None,
        ended_at: float | None = None,
        closed_at: float | None = None,
        end_reason: EndReason | None = None,
        queue: str | None = None,
    ) -> None:
        """Set ``state``; the other fields only where given (None leaves them as they are),
        except ``agent``, which is cleared when ``state`` is waiting. StoreRefused for an unknown chat."""

    async def open_chats(self) -> list[ChatRecord]:
        """Chats not yet closed, oldest request first, for restoring after a restart.

        Cheap: one indexed query over the chats themselves, no transcript. Each record's
        ``last_seq`` is the chat's highest message ``seq``, so the shell can resume numbering and
        delivery without reading messages; it fetches a transcript only when a party asks."""

    async def list_chats(
        self, queues: Sequence[str], *, query: str | None = None, before: float | None = None, limit: int = 50
    ) -> list[ChatRecord]:
        """Chats of these queues, newest request first; ``query`` matches requestor name,
        e-mail, agent or message text (case-insensitive substring)."""

    def append_message(
        self, chat_id: str, sender: Role, sender_name: str, text: str, at: float, client_msg_id: str | None,
        file: FileRef | None = None,
    ) -> asyncio.Future[tuple[StoredMessage, bool]]:
        """Store the message with the chat's next ``seq``; the future gives it with True once committed.

        The write is queued when this is called (not when the future is awaited), in call order with the
        store's other writes; a store that is not open raises StoreError at once. The future, not a
        coroutine, lets a caller with many messages in flight (a busy connection) continue each with a
        callback instead of a task per message.

        ``seq`` is assigned by the store, per chat, inside the write that stores the message:
        1, 2, 3... with no gap and no duplicate, also under concurrent appends and across
        restarts; a refused append uses no number. The chat's ``last_seq`` moves with it.

        Idempotent per ``(chat_id, sender, client_msg_id)``: if that ``client_msg_id`` was
        already stored for this chat and sender, nothing is written and the stored message is
        returned with False (a client resending after a lost ack gets its original ``seq``).
        A unique constraint on those three columns holds it, so not even two writers racing
        (PostgreSQL, several nodes) can store a duplicate. ``client_msg_id=None`` is never
        deduplicated. StoreRefused for an unknown chat."""

    async def messages_after(self, chat_id: str, after_seq: int, limit: int = MAX_PAGE) -> list[StoredMessage]:
        """Messages with ``seq > after_seq`` in ``seq`` order, at most ``min(limit, MAX_PAGE)``
        (the cap holds whatever ``limit`` asks: page through long transcripts)."""

    async def ack(self, chat_id: str, party: Role, seq: int) -> None:
        """Record that ``party`` received every message up to ``seq``; never moves backwards.

        SeqOutOfRange (a StoreRefused) if ``seq`` is negative or beyond the chat's ``last_seq``:
        nothing is stored then. StoreRefused for an unknown chat."""

    async def acked(self, chat_id: str, party: Role) -> int:
        """The highest ``seq`` acknowledged by ``party`` (0 if none)."""

    async def audit(self, entry: AuditEntry) -> None:
        """Append to the routing audit trail (accepts entries about chats it does not know)."""

    async def audit_log(self, chat_id: str) -> list[AuditEntry]:
        """The chat's entries in the order they were written."""

    async def add_memo(self, chat_id: str, author: str, text: str, at: float) -> Memo: ...

    async def memos(self, chat_id: str) -> list[Memo]: ...

    async def add_file(self, file: FileRecord) -> None:
        """StoreRefused for an unknown chat (the bytes are the shell's, in the data folder)."""

    async def get_file(self, file_id: str) -> FileRecord | None: ...


class DirectoryStore(Protocol):
    """Who and what the server routes between: queues, agents, sites, sessions, canned messages, callbacks."""

    async def add_queue(self, queue: QueueRecord) -> None:
        """StoreRefused if the queue exists."""

    async def get_queue(self, name: str) -> QueueRecord | None: ...

    async def list_queues(self) -> list[QueueRecord]:
        """All queues by name."""

    async def add_agent(self, agent: AgentRecord) -> None:
        """StoreRefused if the username exists or a queue is unknown."""

    async def get_agent(self, username: str) -> AgentRecord | None: ...

    async def list_agents(self) -> list[AgentRecord]:
        """All agents by username."""

    async def set_role(self, username: str, role: StaffRole, supervises: Sequence[str] = ()) -> None:
        """Make the agent an ``agent``, a ``supervisor`` of ``supervises`` (at least one, each a known
        queue) or an ``admin`` (of every queue: ``supervises`` empty); replaces what it was.
        StoreRefused for an unknown agent or queue or a role that does not fit its queues
        (:func:`~onduty.server.core.roles.check_role`); ``add_agent`` checks its record the same way."""

    async def set_password(self, username: str, password_hash: str) -> None:
        """StoreRefused for an unknown agent."""

    async def save_agent_state(self, username: str, on_duty: bool, presence: Presence, at: float) -> None:
        """Remember the agent's duty and presence as of ``at`` (replaces what was kept), so a
        restart can restore them. StoreRefused for an unknown agent."""

    async def agent_states(self) -> dict[str, AgentState]:
        """The last saved state of every agent that has one, by username."""

    async def add_site(self, site: SiteRecord) -> None:
        """StoreRefused if the site exists."""

    async def get_site(self, name: str) -> SiteRecord | None: ...

    async def add_session(self, session: SessionRecord) -> None:
        """StoreRefused for an unknown agent."""

    async def get_session(self, token_hash: str) -> SessionRecord | None: ...

    async def delete_session(self, token_hash: str) -> None: ...

    async def set_canned(self, item: CannedMessage) -> None:
        """Add or replace; StoreRefused for an unknown queue."""

    async def remove_canned(self, queue: str, shortcut: str) -> bool:
        """True if there was one to remove."""

    async def list_canned(self, queues: Sequence[str]) -> list[CannedMessage]: ...

    async def add_callback(self, callback: CallbackInfo, site: str | None) -> int:
        """Store it (``callback_id`` is ignored) and return its new id. StoreRefused for an
        unknown queue or without phone and e-mail."""

    async def list_callbacks(self, queues: Sequence[str], limit: int = 50, done: bool = False) -> list[CallbackInfo]:
        """Newest first, with who claimed each and how it ended; the done ones only with ``done``."""

    async def get_callback(self, callback_id: int) -> CallbackInfo | None: ...

    async def change_callback(self, callback_id: int,
                              change: Callable[[CallbackInfo], CallbackInfo]) -> CallbackInfo | None:
        """Apply ``change`` to the stored callback and store its claim and outcome fields, in one transaction
        (a rule of :mod:`onduty.server.core.callbacks`: two agents claiming at once, one wins). Returns the
        changed callback; None for an unknown id. Whatever ``change`` raises (``CallbackRefused``) passes
        unchanged, and nothing is stored."""

    async def release_lapsed_callbacks(self, now: float) -> list[CallbackInfo]:
        """Clear every claim that lapsed by ``now`` on a callback that is not done; returns those (released)."""

    async def count_callbacks(self, now: float) -> dict[str, int]:
        """Open callback requests per queue: not done and not claimed (a claim lapsed by ``now`` is open)."""


class CollabStore(Protocol):
    """Agents working together: handover discussions, contacts, instant messages and IM channels."""

    async def save_discussion(self, discussion_id: str, chat_id: str, sender: str, receiver: str | None,
                              queue: str | None, state: DiscussionState, at: float) -> None:
        """Create or update the discussion."""

    async def add_discussion_message(self, discussion_id: str, sender: str, sender_name: str, text: str,
                                     at: float, client_msg_id: str) -> tuple[int, float, bool]:
        """``(seq, at, new)``: numbered and deduplicated like ``append_message``."""

    async def add_contact(self, owner: str, contact: str, at: float) -> None:
        """Mutual: both directions are stored. StoreRefused for an unknown agent."""

    async def remove_contact(self, owner: str, contact: str) -> bool:
        """Both directions; True if there was one."""

    async def contacts_of(self, owner: str) -> list[str]: ...

    async def add_im(self, sender: str, sender_name: str, peer: str, text: str, at: float, client_msg_id: str,
                     context: BusinessContext | None) -> tuple[ImRecord, bool]:
        """Numbered per pair of agents (1, 2, 3...) and deduplicated like ``append_message``."""

    async def im_history(self, x: str, y: str, after_seq: int, limit: int = 100) -> list[ImRecord]:
        """The pair's messages with ``seq > after_seq`` in order, at most ``limit``."""

    async def im_last_seq(self, x: str, y: str) -> int: ...

    async def im_ack(self, owner: str, peer: str, seq: int) -> None:
        """``owner`` read the pair's messages up to ``seq`` (never moves backwards); SeqOutOfRange
        if ``seq`` is negative or beyond the pair's last ``seq``."""

    async def im_unread(self, owner: str, limit: int = 1000) -> list[ImRecord]:
        """Messages to ``owner`` it has not acknowledged, per pair in ``seq`` order (delivered at sign-in)."""

    async def chat_shared_with(self, viewer: str, chat_id: str) -> bool:
        """A colleague sent ``viewer`` a card of this chat: it may read the transcript."""

    async def open_channel(self, owner: str, peer: str, at: float) -> None: ...

    async def close_channel(self, owner: str, peer: str) -> None: ...

    async def open_channels(self, owner: str) -> list[str]: ...


class StaffingStore(Protocol):
    """When queues must be staffed, every staffing alert, and what the reports read (issue 17)."""

    async def set_staffed_hours(self, queue: str, spec: str, tz: str) -> None:
        """Keep the queue's staffed hours as given (checked by :func:`~onduty.server.core.staffed_hours.parse_hours`
        before); replaces what was kept. StoreRefused for an unknown queue."""

    async def staffed_hours(self) -> dict[str, tuple[str, str]]:
        """``queue -> (spec, tz)`` of every queue whose hours were set (the others are 24x7)."""

    async def set_service_goal(self, queue: str, target_s: float, level: float) -> None:
        """Keep the queue's service-level goal (checked by :func:`~onduty.server.core.service_goal.service_goal`
        before); replaces what was kept. StoreRefused for an unknown queue."""

    async def service_goals(self) -> dict[str, tuple[float, float]]:
        """``queue -> (target_s, level)`` of every queue whose goal was set (the others: 80 % within 20 s)."""

    async def note_duty_hour(self, queue: str, hour_start: float, on_duty: int, routable: int) -> None:
        """Keep the most agents On Duty and routable seen in the queue's hour beginning at ``hour_start``: each
        figure becomes the larger of the kept one and the given one. StoreRefused for an unknown queue."""

    async def duty_hours(self, queue: str, since: float, until: float) -> dict[float, tuple[int, int]]:
        """``hour_start -> (on_duty, routable)`` of the queue's hours beginning in ``[since, until)``."""

    async def open_alert(self, queue: str, kind: str, started_at: float) -> int:
        """Store a new alert and return its id. StoreRefused for an unknown queue or kind, or when the
        queue has an open alert already (at most one per queue, also with several writers)."""

    async def close_alert(self, alert_id: int, ended_at: float) -> None:
        """The alert ended (at its start at the earliest); closing it again keeps the first end.
        StoreRefused for an unknown alert."""

    async def alerts(self, queues: Sequence[str], since: float, until: float) -> list[StaffingAlertRecord]:
        """The alerts of these queues that overlap ``[since, until)`` (open ones included), oldest first."""

    async def open_alerts(self) -> list[StaffingAlertRecord]:
        """Alerts not ended (at start: a restart picks them up), by queue."""

    async def chats_requested(self, queue: str, since: float, until: float) -> list[ChatRecord]:
        """The queue's chats requested in ``[since, until)``, oldest first (``onduty-server report``)."""

    async def callbacks_created(self, queue: str, since: float, until: float) -> list[float]:
        """When each callback request of the queue in ``[since, until)`` was left, oldest first."""


class Store(Lifecycle, ChatStore, DirectoryStore, CollabStore, CaseStore, StaffingStore, Protocol):
    """Everything the shell and the CLI use; see the module docstring for the guarantees."""
