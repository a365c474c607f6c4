"""Move a team's data from its SQLite file into a PostgreSQL database: ``onduty-server store copy``.

Both ends are first brought to this release's schema (by opening each store once). Then every
table is copied row for row (``COPY ... FROM STDIN``), in an order that satisfies the foreign keys,
inside ONE transaction on the target: the row counts of both ends are compared before the commit,
and any failure or difference rolls everything back, so the target is either complete or as it was.
A target that already holds data is refused unless ``replace`` is given (then it is emptied first,
in that same transaction).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import psycopg

from onduty.server.store.errors import StoreError, StoreRefused, StoreUnavailable
from onduty.server.store.pg import PostgresStore
from onduty.server.store.sqlite import SqliteStore

log = logging.getLogger(__name__)

TABLES = (
    "queues", "agents", "agent_queues", "agent_state", "agent_supervises", "sites", "sessions", "chats", "files",
    "messages", "cursors", "audit", "canned", "memos", "callbacks", "discussions", "discussion_messages", "contacts",
    "im_messages", "im_cursors", "im_channels", "cases", "case_tokens", "case_chats", "case_history",
    "external_infos", "interactions", "case_memos", "sla_events", "sla_hours", "sla_holidays", "sla_targets",
    "chat_ratings",
    "queue_hours", "staffing_alerts", "whispers", "queue_goals", "duty_hours",
)
"""Every table both schemas have, parents before children."""

_IDENTITY = ("audit", "memos", "callbacks", "cases", "case_history", "external_infos", "interactions", "case_memos",
             "staffing_alerts", "whispers")
_DERIVED = (
    # the counters PostgreSQL keeps beside the rows (SQLite numbers by max(seq))
    "UPDATE discussions d SET last_seq = m.last FROM (SELECT discussion_id, max(seq) AS last"
    " FROM discussion_messages GROUP BY discussion_id) m WHERE d.discussion_id = m.discussion_id",
    "INSERT INTO im_pairs (a, b, last_seq) SELECT a, b, max(seq) FROM im_messages GROUP BY a, b",
)


@dataclass(frozen=True, slots=True)
class Copied:
    table: str
    rows: int


async def copy(source: Path, target: str, *, replace: bool = False) -> list[Copied]:
    """Copy the SQLite file ``source`` into the PostgreSQL database ``target`` (a URL); the rows per table.

    StoreRefused if the target holds data (without ``replace``) or the counts differ after copying;
    StoreUnavailable if either database fails. Nothing is changed in the target then.
    """
    if not await asyncio.to_thread(source.is_file):
        raise StoreRefused(f"no SQLite file at {source}")
    for store in (SqliteStore(source), PostgresStore(target)):
        await store.open()  # creates or migrates its schema
        await store.close()
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)
    try:
        async with await psycopg.AsyncConnection.connect(target) as dst:
            copied = await _copy_all(src, dst, replace)
    except psycopg.Error as exc:
        raise StoreUnavailable(f"copy into PostgreSQL failed, nothing was changed: {str(exc).strip()}") from exc
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"reading {source} failed, nothing was changed: {exc}") from exc
    finally:
        src.close()
    return copied


async def _copy_all(src: sqlite3.Connection, dst: psycopg.AsyncConnection[tuple[object, ...]],
                    replace: bool) -> list[Copied]:
    src.execute("BEGIN")  # one snapshot of the source for the copy and for the counts
    async with dst.transaction():
        await dst.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        held = [t for t in TABLES if await _count(dst, t)]
        if held and not replace:
            raise StoreRefused(f"the target database already holds data (tables {', '.join(held)}); "
                               "copy into an empty database, or pass --replace to empty it first")
        if replace:
            await dst.execute(f"TRUNCATE {', '.join(TABLES)}, im_pairs RESTART IDENTITY CASCADE")
        copied = [Copied(t, await _copy_table(src, dst, t)) for t in TABLES]
        for statement in _DERIVED:
            await dst.execute(statement)
        for table in _IDENTITY:
            await dst.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                              f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
        for c in copied:
            expected = int(src.execute(f"SELECT count(*) FROM {c.table}").fetchone()[0])
            found = await _count(dst, c.table)
            if not expected == c.rows == found:
                raise StoreError(f"{c.table}: {expected} rows in the source, {c.rows} copied, {found} in the "
                                 "target; rolled back, nothing was changed")
    return copied


async def _count(dst: psycopg.AsyncConnection[tuple[object, ...]], table: str) -> int:
    cur = await dst.execute(f"SELECT count(*) FROM {table}")
    row = await cur.fetchone()
    return int(row[0]) if row is not None else 0  # type: ignore[call-overload]


async def _copy_table(src: sqlite3.Connection, dst: psycopg.AsyncConnection[tuple[object, ...]], table: str) -> int:
    columns = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
    names = ", ".join(columns)
    rows = 0
    cur = dst.cursor()
    async with cur.copy(f"COPY {table} ({names}) FROM STDIN") as out:
        for row in src.execute(f"SELECT {names} FROM {table}"):
            await out.write_row(row)
            rows += 1
    log.info("copied %d rows of %s", rows, table)
    return rows
