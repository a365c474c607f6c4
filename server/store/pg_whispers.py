"""Supervisors' whispers on the PostgreSQL store: mixed into :class:`~onduty.server.store.pg.PostgresStore`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from onduty.server.store.errors import StoreRefused
from onduty.server.store.pg_batch import Conn, Write
from onduty.server.store.pg_query import exists, one, rows
from onduty.server.store.records import WhisperRecord

T = TypeVar("T")


class WhispersMixin:
    """Whispers; methods use the store's ``_read`` / ``_write``."""

    if TYPE_CHECKING:  # provided by PostgresStore
        async def _read(self, op: Callable[[Conn], Awaitable[T]], *, snapshot: bool = False) -> T: ...
        async def _write(self, op: Write) -> Any: ...

    async def add_whisper(self, chat_id: str, sender: str, sender_name: str, text: str, at: float) -> WhisperRecord:
        async def op(conn: Conn) -> WhisperRecord:
            if not await exists(conn, "SELECT 1 FROM chats WHERE chat_id = %s", chat_id):
                raise StoreRefused(f"unknown chat {chat_id!r}")
            row = await one(conn, "INSERT INTO whispers (chat_id, sender, sender_name, text, at)"
                                  " VALUES (%s, %s, %s, %s, %s) RETURNING id", chat_id, sender, sender_name, text, at)
            assert row is not None
            return WhisperRecord(row["id"], chat_id, sender, sender_name, text, at)

        stored: WhisperRecord = await self._write(op)
        return stored

    async def whispers(self, chat_id: str) -> list[WhisperRecord]:
        async def op(conn: Conn) -> list[WhisperRecord]:
            found = await rows(conn, "SELECT id, chat_id, sender, sender_name, text, at FROM whispers"
                                     " WHERE chat_id = %s ORDER BY id", chat_id)
            return [WhisperRecord(r["id"], r["chat_id"], r["sender"], r["sender_name"], r["text"], r["at"])
                    for r in found]

        return await self._read(op)
