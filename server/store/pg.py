"""PostgreSQL implementation of :class:`~onduty.server.store.base.Store` (driver: psycopg 3, async).

Why this shape (the same as the SQLite store where it can be):

* **Group commit.** Writes are queued in the order their coroutines start (the contract's order
  guarantee); one writer task takes everything queued so far and commits it as ONE transaction on
  its own connection (:mod:`onduty.server.store.pg_batch`), then wakes each caller. A write returns
  only after that COMMIT succeeded, with ``synchronous_commit`` as the database has it (on by
  default: the commit is on disk, or on the synchronous standbys, before it is acknowledged).
* **Few round trips.** Runs of chat messages in a batch go to the server in one call; a batch
  of 200 messages costs BEGIN, one call and COMMIT.
* **Several writers.** Each chat's ``last_seq`` is its message counter, bumped under the chat
  row's lock inside the batch transaction, so two server processes appending to one chat never
  duplicate or skip a ``seq``; a unique constraint holds ``client_msg_id`` idempotency. A batch
  that meets a deadlock or a serialization failure is retried whole a few times.
* **Reads** use a small pool of other connections (psycopg-pool); they see every committed write,
  so every acknowledged one. Reads of several queries run in one REPEATABLE READ snapshot.
* **Losing the database.** A batch whose connection fails fails its callers with
  ``StoreUnavailable`` (nothing acknowledged that is not committed). The writer reconnects with a
  growing pause (``reconnect_s``); meanwhile writes fail at once instead of waiting, and the store
  is unhealthy until a connection is back. The read pool replaces broken connections itself, and a
  read that found its connection broken is tried once more on a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from onduty.server.store.errors import Fenced, StoreError, StoreUnavailable
from onduty.server.store.pg_batch import Conn, Outcome, Write, as_store_error, run_batch
from onduty.server.store.pg_cases import CasesMixin
from onduty.server.store.pg_chats import ChatsMixin
from onduty.server.store.pg_collab import CollabMixin
from onduty.server.store.pg_directory import DirectoryMixin
from onduty.server.store.pg_migrate import migrate
from onduty.server.store.pg_ratings import RatingsMixin
from onduty.server.store.pg_staffing import StaffingMixin
from onduty.server.store.pg_whispers import WhispersMixin
from onduty.server.store.sqlite import BatchStats

log = logging.getLogger(__name__)

T = TypeVar("T")

RECONNECT_S = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
"""Pauses between attempts to get the writer's connection back (the last one repeats)."""
_CONFLICT_BACKOFF_S = (0.01, 0.05, 0.2)
"""Pauses before the retries of a batch that met a deadlock or a serialization failure."""
_CONNECT_TIMEOUT_S = 5


@dataclass(slots=True)
class _Pending:
    write: Write
    future: asyncio.Future[Any]


def describe(conninfo: str) -> str:
    """``user@host:port/dbname`` of a connection string, without its password."""
    p = conninfo_to_dict(conninfo)
    return f"{p.get('user', '')}@{p.get('host', '')}:{p.get('port', 5432)}/{p.get('dbname', '')}"


class PostgresStore(ChatsMixin, DirectoryMixin, CollabMixin, CasesMixin, RatingsMixin, StaffingMixin, WhispersMixin):
    """The :class:`Store` on one PostgreSQL database (a libpq connection string or URL)."""

    def __init__(self, conninfo: str, *, pool_size: int = 4, reconnect_s: Sequence[float] = RECONNECT_S,
                 stall_s: float | None = None) -> None:
        """``stall_s``: the database aborts a transaction of ours left idle this long (a cluster node
        stopped mid-batch must not hold the routing row's lock against the node taking over)."""
        params = conninfo_to_dict(conninfo)
        extra: dict[str, Any] = {}
        if stall_s is not None:
            timeout = f"-c idle_in_transaction_session_timeout={max(1, int(stall_s * 1000))}"
            extra["options"] = f"{params.get('options', '')} {timeout}".strip()
        self._conninfo = make_conninfo(conninfo, connect_timeout=params.get("connect_timeout", _CONNECT_TIMEOUT_S),
                                       application_name=params.get("application_name", "onduty-server"), **extra)
        self.name = describe(self._conninfo)
        self._pool_size = pool_size
        self._reconnect_s = tuple(reconnect_s)
        self._conn: Conn | None = None
        self._pool: AsyncConnectionPool[Conn] | None = None
        self._pending: list[_Pending] = []
        self._wakeup = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._open = False
        self._closing = False
        self._healthy = True
        self._failures = 0
        self._retry_at = 0.0
        self._commits = 0
        self._writes = 0
        self._epoch: int | None = None
        self.on_fenced: Callable[[Fenced], None] | None = None
        """Called once when a batch was refused because another node owns routing now."""

    @property
    def stats(self) -> BatchStats:
        return BatchStats(commits=self._commits, writes=self._writes)

    @property
    def healthy(self) -> bool:
        return self._healthy

    @property
    def epoch(self) -> int | None:
        """The routing epoch this store's writes are fenced with (None: not fenced)."""
        return self._epoch

    async def take_routing(self, node: str, now: float) -> int:
        """This node owns routing from now on: bump the cluster's epoch (waiting for any batch of
        the previous owner that is committing), fence every later write of this store with it,
        and return it. The epoch only grows, whatever happens to Redis."""
        async def bump(conn: Conn) -> int:
            cur = await conn.execute(
                "UPDATE routing_owner SET epoch = epoch + 1, node = %s, since = %s WHERE id = 1 RETURNING epoch",
                (node, now))
            row = await cur.fetchone()
            assert row is not None  # the migration inserts the one row
            return int(row["epoch"])

        epoch: int = await self._read(bump)
        self._epoch = epoch
        log.info("routing owned by %s with epoch %d", node, epoch)
        return epoch

    async def routing_owner(self) -> tuple[int, str]:
        """The epoch and node that own routing now (as the database has it)."""
        async def read(conn: Conn) -> tuple[int, str]:
            cur = await conn.execute("SELECT epoch, node FROM routing_owner WHERE id = 1")
            row = await cur.fetchone()
            assert row is not None
            return int(row["epoch"]), str(row["node"])

        return await self._read(read)

    # ---- lifecycle ------------------------------------------------------------------

    async def _connect(self) -> Conn:
        return await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True, row_factory=dict_row)

    async def open(self) -> None:
        if self._open:
            raise StoreError("store already opened")
        try:
            conn = await self._connect()
        except psycopg.Error as exc:
            raise StoreUnavailable(f"cannot connect to PostgreSQL {self.name}: {_first_line(exc)}") from exc
        try:
            before = await migrate(conn)
            pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
                self._conninfo, min_size=1, max_size=self._pool_size, open=False, connection_class=Conn,
                kwargs={"autocommit": True, "row_factory": dict_row}, name="onduty-store-read",
            )
            await pool.open(wait=True, timeout=_CONNECT_TIMEOUT_S)
        except BaseException as exc:
            await conn.close()
            if isinstance(exc, psycopg.Error):
                raise StoreUnavailable(f"cannot open PostgreSQL {self.name}: {_first_line(exc)}") from exc
            raise
        log.info("opened store postgresql %s (schema version %d before open)", self.name, before)
        self._conn, self._pool = conn, pool
        self._open, self._closing = True, False
        self._wakeup = asyncio.Event()
        self._writer = asyncio.create_task(self._write_loop(), name="onduty-store-writer")

    async def close(self) -> None:
        """Finish every queued write, then close the connections; a second call does nothing."""
        if not self._open or self._closing:
            return
        self._closing = True
        self._wakeup.set()
        if self._writer is not None:
            await self._writer
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
        if self._pool is not None:
            await self._pool.close()
        self._open = False
        log.info("closed store postgresql %s after %d commits", self.name, self._commits)

    # ---- the two ways in ------------------------------------------------------------

    def _check_open(self) -> AsyncConnectionPool[Conn]:
        if not self._open or self._closing or self._pool is None:
            raise StoreError("store is not open")
        return self._pool

    async def _read(self, op: Callable[[Conn], Awaitable[T]], *, snapshot: bool = False) -> T:
        """Run ``op`` on a pooled connection (in one REPEATABLE READ transaction with ``snapshot``);
        tried once more on a fresh connection if the first one turned out broken."""
        pool = self._check_open()
        for attempt in (1, 2):
            try:
                async with pool.connection() as conn:
                    if not snapshot:
                        return await op(conn)
                    async with conn.transaction():
                        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                        return await op(conn)
            except psycopg.OperationalError as exc:
                if attempt == 2:
                    raise as_store_error(exc) from exc
            except psycopg.Error as exc:
                raise as_store_error(exc) from exc
        raise AssertionError("unreachable")

    async def _write(self, op: Write) -> Any:
        """Queue ``op`` for the next batch (before the first suspension: the order guarantee);
        return once that batch has committed."""
        return await self._queue(op)

    def _queue(self, op: Write) -> asyncio.Future[Any]:
        """Queue ``op`` for the next batch now; the future resolves once that batch has committed."""
        self._check_open()
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(op, future))
        self._wakeup.set()
        return future

    # ---- the writer -----------------------------------------------------------------

    async def _write_loop(self) -> None:
        """Take all queued writes, commit them together, resolve callers; repeat."""
        while True:
            if not self._pending:
                if self._closing:
                    return
                await self._idle()
                continue
            batch, self._pending = self._pending, []
            try:
                results = await self._commit([p.write for p in batch])
            except Fenced as exc:
                self._fail(batch, exc)
                if self.on_fenced is not None:
                    self.on_fenced(exc)
                continue
            except Exception as exc:
                self._fail(batch, exc)
                continue
            self._healthy = True
            self._commits += 1
            self._writes += len(batch)
            for p, (ok, value) in zip(batch, results, strict=True):
                if p.future.done():  # caller was cancelled; the write stands
                    continue
                if ok:
                    p.future.set_result(value)
                else:
                    p.future.set_exception(value)

    async def _idle(self) -> None:
        """Wait for writes; without a connection, also try to get it back when the pause is over."""
        timeout = None if self._conn is not None else max(0.0, self._retry_at - time.monotonic())
        try:
            await asyncio.wait_for(self._wakeup.wait(), timeout)
        except TimeoutError:
            with contextlib.suppress(StoreUnavailable):  # logged; tried again after the next pause
                await self._connection()
            return
        self._wakeup.clear()

    def _fail(self, batch: list[_Pending], exc: Exception) -> None:
        self._healthy = False
        log.error("store batch of %d writes failed to commit: %s", len(batch), _first_line(exc))
        error = exc if isinstance(exc, StoreError) else as_store_error(exc)
        if not isinstance(error, StoreError):
            error = StoreUnavailable(f"store batch failed: {exc!r}")
            error.__cause__ = exc
        for p in batch:
            if not p.future.done():
                p.future.set_exception(error)

    async def _connection(self) -> Conn:
        """The writer's connection, reconnecting once the pause after the last failure is over;
        StoreUnavailable (at once) before that or if the database still cannot be reached."""
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        if conn is not None:
            self._conn = None
            await conn.close()
        now = time.monotonic()
        if now < self._retry_at:
            raise StoreUnavailable(f"PostgreSQL {self.name} is unreachable (next attempt in "
                                   f"{self._retry_at - now:.1f} s)")
        try:
            conn = await self._connect()
        except psycopg.Error as exc:
            pause = self._reconnect_s[min(self._failures, len(self._reconnect_s) - 1)]
            self._failures += 1
            self._retry_at = time.monotonic() + pause
            log.warning("reconnecting to PostgreSQL %s failed (attempt %d, next in %.1f s): %s",
                        self.name, self._failures, pause, _first_line(exc))
            raise StoreUnavailable(f"PostgreSQL {self.name} is unreachable: {_first_line(exc)}") from exc
        if self._failures:
            log.warning("reconnected to PostgreSQL %s after %d failed attempts", self.name, self._failures)
        self._failures, self._retry_at = 0, 0.0
        self._conn = conn
        self._healthy = True
        return conn

    async def _commit(self, writes: list[Write]) -> list[Outcome]:
        """One batch as one transaction, retried after a short pause on a deadlock or a serialization failure."""
        for attempt, pause in enumerate((*_CONFLICT_BACKOFF_S, None)):
            conn = await self._connection()
            try:
                return await run_batch(conn, writes, self._epoch)
            except (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected) as exc:
                if pause is None:
                    raise
                log.warning("store batch of %d writes met %s, retrying (%d)", len(writes),
                            type(exc).__name__, attempt + 1)
                await asyncio.sleep(pause)
            except psycopg.OperationalError:
                if conn.broken:
                    self._retry_at = time.monotonic() + self._reconnect_s[0]
                raise
        raise AssertionError("unreachable")  # the last pause is None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
