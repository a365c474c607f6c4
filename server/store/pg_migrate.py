"""Bring a PostgreSQL database to this release's schema (:mod:`onduty.server.store.pg_schema`)."""

from __future__ import annotations

import logging

import psycopg

from onduty.server.store.errors import StoreError, StoreUnavailable
from onduty.server.store.pg_batch import Conn
from onduty.server.store.pg_schema import MIGRATION_LOCK, MIGRATIONS, VERSION_TABLE

log = logging.getLogger(__name__)


async def schema_version(conn: Conn) -> int:
    """The version recorded in the database (0 for an empty one)."""
    cur = await conn.execute("SELECT to_regclass('onduty_schema') IS NOT NULL AS present")
    row = await cur.fetchone()
    if row is None or not row["present"]:
        return 0
    cur = await conn.execute("SELECT max(version) AS v FROM onduty_schema")
    row = await cur.fetchone()
    return 0 if row is None or row["v"] is None else int(row["v"])


async def migrate(conn: Conn, migrations: tuple[str, ...] = MIGRATIONS) -> int:
    """Apply the missing migrations, each in its own transaction with its version; return the version
    the database had. A database written by a newer release is refused rather than guessed at."""
    target = len(migrations)
    try:
        start = await schema_version(conn)
        if start < target:
            async with conn.transaction():
                # one process migrates; another starting at once waits here, then finds nothing to do
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                await conn.execute(VERSION_TABLE)
                start = await schema_version(conn)
        _refuse_newer(start, target)
        for version in range(start + 1, target + 1):
            log.info("applying store migration %d of %d", version, target)
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                if await schema_version(conn) >= version:  # another process applied it meanwhile
                    continue
                await conn.execute(migrations[version - 1])
                await conn.execute("INSERT INTO onduty_schema (version) VALUES (%s)", (version,))
    except psycopg.Error as exc:
        raise StoreUnavailable(f"store migration failed: {str(exc).strip()}") from exc
    return start


def _refuse_newer(start: int, target: int) -> None:
    if start > target:
        raise StoreError(
            f"database schema version {start} is newer than this release supports ({target}); "
            "upgrade OnDuty or use a matching database"
        )
