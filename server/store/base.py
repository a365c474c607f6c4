"""The persistence interface the shell uses; SQLite implements it (PostgreSQL later).

Every write is durable when its coroutine returns: the shell acknowledges a message to
its sender only after ``append_message`` returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from onduty.server.store.records import (
    AgentRecord,
    AuditEntry,
    ChatRecord,
    FileRecord,
    ImRecord,
    QueueRecord,
    SessionRecord,
    SiteRecord,
    StoredMessage,
)
from onduty.shared.types import (
    BusinessContext,
    CallbackInfo,
    CannedMessage,
    ChatState,
    DiscussionState,
    EndReason,
    FileRef,
    Memo,
    Role,
)


class StoreError(Exception):
    """A store operation was refused (duplicate name, unknown reference)."""


class Store(Protocol):
    async def open(self) -> None:
        """Create or migrate the schema; must be called once before use."""

    async def close(self) -> None: ...

    # admin: queues, agents, sites
    async def add_queue(self, queue: QueueRecord) -> None:
        """Raises StoreError if the queue exists."""

    async def get_queue(self, name: str) -> QueueRecord | None: ...

    async def list_queues(self) -> list[QueueRecord]: ...

    async def add_agent(self, agent: AgentRecord) -> None:
        """Raises StoreError if the username exists or a queue is unknown."""

    async def get_agent(self, username: str) -> AgentRecord | None: ...

    async def list_agents(self) -> list[AgentRecord]: ...

    async def set_password(self, username: str, password_hash: str) -> None: ...

    async def add_site(self, site: SiteRecord) -> None: ...

    async def get_site(self, name: str) -> SiteRecord | None: ...

    # agent sessions
    async def add_session(self, session: SessionRecord) -> None: ...

    async def get_session(self, token_hash: str) -> SessionRecord | None: ...

    async def delete_session(self, token_hash: str) -> None: ...

    # chats
    async def create_chat(self, chat: ChatRecord) -> None: ...

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
        except ``agent``, which is cleared when ``state`` is waiting."""

    async def open_chats(self) -> list[ChatRecord]:
        """Chats not yet closed, oldest request first (for restoring after a restart)."""

    async def list_chats(
        self, queues: Sequence[str], *, query: str | None = None, before: float | None = None, limit: int = 50
    ) -> list[ChatRecord]:
        """Chats of these queues, newest request first; ``query`` matches requestor name,
        e-mail, agent or message text (case-insensitive substring)."""

    # messages and delivery cursors
    async def append_message(
        self, chat_id: str, sender: Role, sender_name: str, text: str, at: float, client_msg_id: str | None,
        file: FileRef | None = None,
    ) -> tuple[StoredMessage, bool]:
        """Store with the chat's next sequence number. If ``client_msg_id`` was already stored
        for this chat and sender, return that message and False (no duplicate)."""

    async def messages_after(
        self, chat_id: str, after_seq: int, limit: int = 1000
    ) -> list[StoredMessage]: ...

    async def ack(self, chat_id: str, party: Role, seq: int) -> None:
        """Record that ``party`` received up to ``seq`` (never moves backwards)."""

    async def acked(self, chat_id: str, party: Role) -> int: ...

    # audit trail of routing decisions
    async def audit(self, entry: AuditEntry) -> None: ...

    async def audit_log(self, chat_id: str) -> list[AuditEntry]: ...

    # canned messages and callback requests (per queue)
    async def set_canned(self, item: CannedMessage) -> None:
        """Add or replace; raises StoreError for an unknown queue."""

    async def remove_canned(self, queue: str, shortcut: str) -> bool: ...

    async def list_canned(self, queues: Sequence[str]) -> list[CannedMessage]: ...

    async def add_callback(self, callback: CallbackInfo, site: str | None) -> int:
        """Store it (``callback_id`` is ignored) and return its new id."""

    async def list_callbacks(self, queues: Sequence[str], limit: int = 50) -> list[CallbackInfo]: ...

    async def count_callbacks(self) -> dict[str, int]: ...

    # memos and files (per chat)
    async def add_memo(self, chat_id: str, author: str, text: str, at: float) -> Memo: ...

    async def memos(self, chat_id: str) -> list[Memo]: ...

    async def add_file(self, file: FileRecord) -> None: ...

    async def get_file(self, file_id: str) -> FileRecord | None: ...

    # agents working together: handover discussions, contacts, instant messages
    async def save_discussion(self, discussion_id: str, chat_id: str, sender: str, receiver: str | None,
                              queue: str | None, state: DiscussionState, at: float) -> None: ...

    async def add_discussion_message(self, discussion_id: str, sender: str, sender_name: str, text: str,
                                     at: float, client_msg_id: str) -> tuple[int, float, bool]: ...

    async def add_contact(self, owner: str, contact: str, at: float) -> None:
        """Mutual: both directions are stored."""

    async def remove_contact(self, owner: str, contact: str) -> bool: ...

    async def contacts_of(self, owner: str) -> list[str]: ...

    async def add_im(self, sender: str, sender_name: str, peer: str, text: str, at: float, client_msg_id: str,
                     context: BusinessContext | None) -> tuple[ImRecord, bool]: ...

    async def im_history(self, x: str, y: str, after_seq: int, limit: int = 100) -> list[ImRecord]: ...

    async def im_last_seq(self, x: str, y: str) -> int: ...

    async def im_ack(self, owner: str, peer: str, seq: int) -> None: ...

    async def im_unread(self, owner: str, limit: int = 1000) -> list[ImRecord]: ...

    async def chat_shared_with(self, viewer: str, chat_id: str) -> bool:
        """A colleague sent ``viewer`` a card of this chat: it may read the transcript."""

    async def open_channel(self, owner: str, peer: str, at: float) -> None: ...

    async def close_channel(self, owner: str, peer: str) -> None: ...

    async def open_channels(self, owner: str) -> list[str]: ...
