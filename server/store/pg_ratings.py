"""Chat ratings on the PostgreSQL store: mixed into :class:`~onduty.server.store.pg.PostgresStore`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from onduty.server.store.errors import StoreRefused
from onduty.server.store.pg_batch import Conn, Write
from onduty.server.store.pg_query import exists, one, rows, run
from onduty.server.store.records import RatingRecord
from onduty.shared.types import RATING_MAX, RATING_MIN, ChatRating

T = TypeVar("T")


class RatingsMixin:
    """Chat ratings; methods use the store's ``_read`` / ``_write``."""

    if TYPE_CHECKING:  # provided by PostgresStore
        async def _read(self, op: Callable[[Conn], Awaitable[T]], *, snapshot: bool = False) -> T: ...
        async def _write(self, op: Write) -> Any: ...

    async def rate_chat(self, chat_id: str, rating: ChatRating) -> bool:
        async def op(conn: Conn) -> bool:
            if not await exists(conn, "SELECT 1 FROM chats WHERE chat_id = %s", chat_id):
                raise StoreRefused(f"unknown chat {chat_id!r}")
            if not RATING_MIN <= rating.rating <= RATING_MAX:
                raise StoreRefused(f"a rating is {RATING_MIN} to {RATING_MAX}, not {rating.rating}")
            added = await run(conn, "INSERT INTO chat_ratings (chat_id, rating, comment, rated_at)"
                                    " VALUES (%s, %s, %s, %s) ON CONFLICT (chat_id) DO NOTHING",
                              chat_id, rating.rating, rating.comment, rating.at)
            return added == 1

        stored: bool = await self._write(op)
        return stored

    async def chat_rating(self, chat_id: str) -> ChatRating | None:
        async def op(conn: Conn) -> ChatRating | None:
            row = await one(conn, "SELECT rating, comment, rated_at FROM chat_ratings WHERE chat_id = %s", chat_id)
            return ChatRating(rating=row["rating"], at=row["rated_at"], comment=row["comment"]) if row else None

        return await self._read(op)

    async def list_ratings(self, queues: Sequence[str], since: float, until: float) -> list[RatingRecord]:
        async def op(conn: Conn) -> list[RatingRecord]:
            found = await rows(
                conn, "SELECT r.chat_id, c.queue, c.agent, r.rating, r.comment, r.rated_at FROM chat_ratings r"
                      " JOIN chats c ON c.chat_id = r.chat_id WHERE c.queue = ANY (%s) AND r.rated_at >= %s"
                      " AND r.rated_at < %s ORDER BY r.rated_at, r.chat_id", list(queues), since, until)
            return [RatingRecord(r["chat_id"], r["queue"], r["agent"],
                                 ChatRating(rating=r["rating"], at=r["rated_at"], comment=r["comment"])) for r in found]

        return await self._read(op)
