"""Supervisors' whispers on the SQLite store: mixed into :class:`~onduty.server.store.sqlite.SqliteStore`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from onduty.server.store.errors import StoreRefused
from onduty.server.store.records import WhisperRecord
from onduty.server.store.sql import exists

T = TypeVar("T")


def _add(conn: sqlite3.Connection, chat_id: str, sender: str, sender_name: str, text: str, at: float) -> WhisperRecord:
    if not exists(conn, "SELECT 1 FROM chats WHERE chat_id = ?", chat_id):
        raise StoreRefused(f"unknown chat {chat_id!r}")
    cursor = conn.execute("INSERT INTO whispers (chat_id, sender, sender_name, text, at) VALUES (?, ?, ?, ?, ?)",
                          (chat_id, sender, sender_name, text, at))
    assert cursor.lastrowid is not None
    return WhisperRecord(cursor.lastrowid, chat_id, sender, sender_name, text, at)


def _list(conn: sqlite3.Connection, chat_id: str) -> list[WhisperRecord]:
    rows = conn.execute("SELECT id, chat_id, sender, sender_name, text, at FROM whispers WHERE chat_id = ?"
                        " ORDER BY id", (chat_id,))
    return [WhisperRecord(r["id"], r["chat_id"], r["sender"], r["sender_name"], r["text"], r["at"]) for r in rows]


class WhispersStoreMixin:
    """Whispers; methods use the store's ``_read`` / ``_write``."""

    if TYPE_CHECKING:  # provided by SqliteStore
        async def _read(self, op: Callable[[sqlite3.Connection], T]) -> T: ...
        async def _write(self, op: Callable[[sqlite3.Connection], T]) -> T: ...

    async def add_whisper(self, chat_id: str, sender: str, sender_name: str, text: str, at: float) -> WhisperRecord:
        return await self._write(partial(_add, chat_id=chat_id, sender=sender, sender_name=sender_name, text=text,
                                         at=at))

    async def whispers(self, chat_id: str) -> list[WhisperRecord]:
        return await self._read(partial(_list, chat_id=chat_id))
