"""Chats, messages, delivery cursors, the audit trail, memos and files on the PostgreSQL store.

Mixed into :class:`~onduty.server.store.pg.PostgresStore`; rows read back into records through the
same converters as SQLite's (:mod:`onduty.server.store.sql`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from onduty.server.store.base import MAX_PAGE
from onduty.server.store.errors import SeqOutOfRange, StoreRefused
from onduty.server.store.pg_batch import Conn, Write
from onduty.server.store.pg_query import exists, one, rows, run
from onduty.server.store.records import Append, AuditEntry, ChatRecord, FileRecord, StoredMessage
from onduty.server.store.sql import chat_changes, chat_record, context_json, message_record
from onduty.shared.types import ChatState, EndReason, FileRef, Memo, Role

T = TypeVar("T")

CHAT_COLUMNS = (
    "chat_id, queue, state, requestor_name, request_type, requested_at, resume_token_hash, "
    "requestor_email, requestor_id, site, context, agent, assigned_at, ended_at, closed_at, end_reason, last_seq"
)
MESSAGE_SELECT = (
    "SELECT m.chat_id, m.seq, m.sender, m.sender_name, m.text, m.at, m.client_msg_id, m.file_id,"
    " f.name AS file_name, f.size AS file_size, f.content_type AS file_type"
    " FROM messages m LEFT JOIN files f ON f.file_id = m.file_id"
)
FILE_COLUMNS = "file_id, chat_id, name, size, content_type, sha256, uploaded_by, at"
_OPEN_STATES = [s.value for s in ChatState if s is not ChatState.CLOSED]


async def get_chat(conn: Conn, chat_id: str) -> ChatRecord | None:
    row = await one(conn, f"SELECT {CHAT_COLUMNS} FROM chats WHERE chat_id = %s", chat_id)
    return None if row is None else chat_record(row)


async def messages_after(conn: Conn, chat_id: str, after_seq: int, limit: int) -> list[StoredMessage]:
    found = await rows(conn, f"{MESSAGE_SELECT} WHERE m.chat_id = %s AND m.seq > %s ORDER BY m.seq LIMIT %s",
                       chat_id, after_seq, limit)
    return [message_record(r) for r in found]


async def memos(conn: Conn, chat_id: str) -> list[Memo]:
    found = await rows(conn, "SELECT id, author, text, at FROM memos WHERE chat_id = %s ORDER BY id", chat_id)
    return [Memo(memo_id=r["id"], author=r["author"], text=r["text"], at=r["at"]) for r in found]


def file_record(r: Any) -> FileRecord:
    return FileRecord(r["file_id"], r["chat_id"], r["name"], r["size"], r["content_type"], r["sha256"],
                      r["uploaded_by"], r["at"])


class ChatsMixin:
    """The chat part of the PostgreSQL store; methods use the store's ``_read`` / ``_write``."""

    if TYPE_CHECKING:  # provided by PostgresStore
        async def _read(self, op: Callable[[Conn], Awaitable[T]], *, snapshot: bool = False) -> T: ...
        async def _write(self, op: Write) -> Any: ...

        def _queue(self, op: Write) -> asyncio.Future[Any]: ...

    # ---- chats ----------------------------------------------------------------------

    async def create_chat(self, chat: ChatRecord) -> None:
        c = chat

        async def op(conn: Conn) -> None:
            if await exists(conn, "SELECT 1 FROM chats WHERE chat_id = %s", c.chat_id):
                raise StoreRefused(f"chat {c.chat_id!r} already exists")
            if not await exists(conn, "SELECT 1 FROM queues WHERE name = %s", c.queue):
                raise StoreRefused(f"chat {c.chat_id!r}: unknown queue {c.queue!r}")
            await run(
                conn, f"INSERT INTO chats ({CHAT_COLUMNS}) VALUES ({', '.join(['%s'] * 17)})",
                c.chat_id, c.queue, c.state.value, c.requestor_name, c.request_type.value, c.requested_at,
                c.resume_token_hash, c.requestor_email, c.requestor_id, c.site, context_json(c.context),
                c.agent, c.assigned_at, c.ended_at, c.closed_at,
                None if c.end_reason is None else c.end_reason.value, c.last_seq,
            )  # fmt: skip

        await self._write(op)

    async def get_chat(self, chat_id: str) -> ChatRecord | None:
        return await self._read(lambda conn: get_chat(conn, chat_id))

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
        sets, args = chat_changes(state, agent, assigned_at, ended_at, closed_at, end_reason, queue, "%s")
        sql = f"UPDATE chats SET {', '.join(sets)} WHERE chat_id = %s"

        async def op(conn: Conn) -> None:
            if await run(conn, sql, *args, chat_id) == 0:
                raise StoreRefused(f"unknown chat {chat_id!r}")

        await self._write(op)

    async def open_chats(self) -> list[ChatRecord]:
        async def op(conn: Conn) -> list[ChatRecord]:
            found = await rows(conn, f"SELECT {CHAT_COLUMNS} FROM chats WHERE state = ANY (%s)"
                                     " ORDER BY requested_at, chat_id", _OPEN_STATES)
            return [chat_record(r) for r in found]

        return await self._read(op)

    async def list_chats(
        self, queues: Sequence[str], *, query: str | None = None, before: float | None = None, limit: int = 50
    ) -> list[ChatRecord]:
        if not queues or limit <= 0:
            return []
        where = ["queue = ANY (%s)"]
        args: list[object] = [list(queues)]
        if before is not None:
            where.append("requested_at < %s")
            args.append(before)
        if query:
            where.append(
                "(od_contains(requestor_name, %s) OR od_contains(requestor_email, %s) OR od_contains(agent, %s)"
                " OR EXISTS (SELECT 1 FROM messages m WHERE m.chat_id = chats.chat_id AND od_contains(m.text, %s)))"
            )
            args.extend([query] * 4)
        sql = (f"SELECT {CHAT_COLUMNS} FROM chats WHERE {' AND '.join(where)}"
               " ORDER BY requested_at DESC, chat_id DESC LIMIT %s")

        async def op(conn: Conn) -> list[ChatRecord]:
            return [chat_record(r) for r in await rows(conn, sql, *args, limit)]

        return await self._read(op)

    # ---- messages, cursors, audit ---------------------------------------------------

    def append_message(
        self, chat_id: str, sender: Role, sender_name: str, text: str, at: float, client_msg_id: str | None,
        file: FileRef | None = None,
    ) -> asyncio.Future[tuple[StoredMessage, bool]]:
        return self._queue(Append(chat_id, sender, sender_name, text, at, client_msg_id, file))

    async def messages_after(self, chat_id: str, after_seq: int, limit: int = MAX_PAGE) -> list[StoredMessage]:
        page = max(0, min(limit, MAX_PAGE))
        return await self._read(lambda conn: messages_after(conn, chat_id, after_seq, page))

    async def ack(self, chat_id: str, party: Role, seq: int) -> None:
        async def op(conn: Conn) -> None:
            row = await one(
                conn,
                "WITH c AS (SELECT last_seq FROM chats WHERE chat_id = %(chat)s),"
                " moved AS (INSERT INTO cursors (chat_id, party, acked_seq)"
                "   SELECT %(chat)s, %(party)s, %(seq)s FROM c WHERE %(seq)s BETWEEN 0 AND c.last_seq"
                "   ON CONFLICT (chat_id, party) DO UPDATE"
                "   SET acked_seq = GREATEST(cursors.acked_seq, excluded.acked_seq))"
                " SELECT last_seq FROM c",
                {"chat": chat_id, "party": party.value, "seq": seq},
            )
            if row is None:
                raise StoreRefused(f"unknown chat {chat_id!r}")
            if not 0 <= seq <= row["last_seq"]:
                raise SeqOutOfRange(f"chat {chat_id}", seq, row["last_seq"])

        await self._write(op)

    async def acked(self, chat_id: str, party: Role) -> int:
        async def op(conn: Conn) -> int:
            row = await one(conn, "SELECT acked_seq FROM cursors WHERE chat_id = %s AND party = %s",
                            chat_id, party.value)
            return 0 if row is None else int(row["acked_seq"])

        return await self._read(op)

    async def audit(self, entry: AuditEntry) -> None:
        e = entry

        async def op(conn: Conn) -> None:
            await run(conn, "INSERT INTO audit (at, kind, chat_id, agent, detail) VALUES (%s, %s, %s, %s, %s)",
                      e.at, e.kind, e.chat_id, e.agent, json.dumps(e.detail, sort_keys=True))

        await self._write(op)

    async def audit_log(self, chat_id: str) -> list[AuditEntry]:
        async def op(conn: Conn) -> list[AuditEntry]:
            found = await rows(conn, "SELECT at, kind, chat_id, agent, detail FROM audit WHERE chat_id = %s"
                                     " ORDER BY id", chat_id)
            return [AuditEntry(at=r["at"], kind=r["kind"], chat_id=r["chat_id"], agent=r["agent"],
                               detail=json.loads(r["detail"])) for r in found]

        return await self._read(op)

    # ---- memos, files ---------------------------------------------------------------

    async def add_memo(self, chat_id: str, author: str, text: str, at: float) -> Memo:
        async def op(conn: Conn) -> Memo:
            if not await exists(conn, "SELECT 1 FROM chats WHERE chat_id = %s", chat_id):
                raise StoreRefused(f"unknown chat {chat_id!r}")
            row = await one(conn, "INSERT INTO memos (chat_id, author, text, at) VALUES (%s, %s, %s, %s)"
                                  " RETURNING id", chat_id, author, text, at)
            assert row is not None
            return Memo(memo_id=row["id"], author=author, text=text, at=at)

        memo: Memo = await self._write(op)
        return memo

    async def memos(self, chat_id: str) -> list[Memo]:
        return await self._read(lambda conn: memos(conn, chat_id))

    async def add_file(self, file: FileRecord) -> None:
        f = file

        async def op(conn: Conn) -> None:
            if not await exists(conn, "SELECT 1 FROM chats WHERE chat_id = %s", f.chat_id):
                raise StoreRefused(f"unknown chat {f.chat_id!r}")
            await run(conn, f"INSERT INTO files ({FILE_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                      f.file_id, f.chat_id, f.name, f.size, f.content_type, f.sha256, f.uploaded_by, f.at)

        await self._write(op)

    async def get_file(self, file_id: str) -> FileRecord | None:
        async def op(conn: Conn) -> FileRecord | None:
            row = await one(conn, f"SELECT {FILE_COLUMNS} FROM files WHERE file_id = %s", file_id)
            return None if row is None else file_record(row)

        return await self._read(op)
