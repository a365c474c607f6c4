"""Small helpers for the PostgreSQL store's queries: one call, one answer."""

from __future__ import annotations

from typing import Any, LiteralString

from psycopg.rows import DictRow

from onduty.server.store.pg_batch import Conn


def _params(args: tuple[Any, ...]) -> tuple[Any, ...] | dict[str, Any]:
    """Positional parameters, or the one dict of named ones (``%(name)s``)."""
    return args[0] if len(args) == 1 and isinstance(args[0], dict) else args


async def one(conn: Conn, sql: LiteralString, *args: Any) -> DictRow | None:
    """The first row ``sql`` returns, or None."""
    cur = await conn.execute(sql, _params(args))
    return await cur.fetchone()


async def rows(conn: Conn, sql: LiteralString, *args: Any) -> list[DictRow]:
    cur = await conn.execute(sql, _params(args))
    return await cur.fetchall()


async def exists(conn: Conn, sql: LiteralString, *args: Any) -> bool:
    return await one(conn, sql, *args) is not None


async def run(conn: Conn, sql: LiteralString, *args: Any) -> int:
    """Execute ``sql``; the number of rows it changed."""
    cur = await conn.execute(sql, _params(args))
    return cur.rowcount


async def scalar(conn: Conn, sql: LiteralString, *args: Any) -> Any:
    """The first column of the first row (None without a row)."""
    cur = await conn.execute(sql, _params(args))
    row = await cur.fetchone()
    return None if row is None else next(iter(row.values()))
