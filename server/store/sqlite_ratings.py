"""Chat ratings on the SQLite store: mixed into :class:`~onduty.server.store.sqlite.SqliteStore`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from onduty.server.store.errors import StoreRefused
from onduty.server.store.records import RatingRecord
from onduty.server.store.sql import exists
from onduty.shared.types import RATING_MAX, RATING_MIN, ChatRating

T = TypeVar("T")


def _rate(conn: sqlite3.Connection, chat_id: str, rating: ChatRating) -> bool:
    if not exists(conn, "SELECT 1 FROM chats WHERE chat_id = ?", chat_id):
        raise StoreRefused(f"unknown chat {chat_id!r}")
    if not RATING_MIN <= rating.rating <= RATING_MAX:
        raise StoreRefused(f"a rating is {RATING_MIN} to {RATING_MAX}, not {rating.rating}")
    cursor = conn.execute(
        "INSERT INTO chat_ratings (chat_id, rating, comment, rated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (chat_id) DO NOTHING", (chat_id, rating.rating, rating.comment, rating.at))
    return cursor.rowcount == 1


def _rating(conn: sqlite3.Connection, chat_id: str) -> ChatRating | None:
    row = conn.execute("SELECT rating, comment, rated_at FROM chat_ratings WHERE chat_id = ?", (chat_id,)).fetchone()
    return ChatRating(rating=row["rating"], at=row["rated_at"], comment=row["comment"]) if row else None


def _ratings(conn: sqlite3.Connection, queues: Sequence[str], since: float, until: float) -> list[RatingRecord]:
    marks = ",".join("?" * len(queues))
    rows = conn.execute(
        "SELECT r.chat_id, c.queue, c.agent, r.rating, r.comment, r.rated_at FROM chat_ratings r"
        f" JOIN chats c ON c.chat_id = r.chat_id WHERE c.queue IN ({marks}) AND r.rated_at >= ? AND r.rated_at < ?"
        " ORDER BY r.rated_at, r.chat_id", (*queues, since, until))
    return [RatingRecord(r["chat_id"], r["queue"], r["agent"],
                         ChatRating(rating=r["rating"], at=r["rated_at"], comment=r["comment"])) for r in rows]


class RatingsStoreMixin:
    """Chat ratings; methods use the store's ``_read`` / ``_write``."""

    if TYPE_CHECKING:  # provided by SqliteStore
        async def _read(self, op: Callable[[sqlite3.Connection], T]) -> T: ...
        async def _write(self, op: Callable[[sqlite3.Connection], T]) -> T: ...

    async def rate_chat(self, chat_id: str, rating: ChatRating) -> bool:
        return await self._write(partial(_rate, chat_id=chat_id, rating=rating))

    async def chat_rating(self, chat_id: str) -> ChatRating | None:
        return await self._read(partial(_rating, chat_id=chat_id))

    async def list_ratings(self, queues: Sequence[str], since: float, until: float) -> list[RatingRecord]:
        return await self._read(partial(_ratings, queues=tuple(queues), since=since, until=until))
