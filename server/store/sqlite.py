"""SQLite implementation of :class:`~onduty.server.store.base.Store` with group commit.

Why this shape:

* sqlite3 calls block, so every one runs on a single dedicated thread that owns the only
  connection; the event loop never touches the database file.
* "Persisted before acknowledged" needs a durable commit per write, but an fsync per
  chat message would cap throughput at the disk's flush rate. Writes are therefore queued
  (in the order their coroutines start: the contract's order guarantee); the database thread
  (:mod:`onduty.server.store.sqlite_thread`) takes everything queued so far and runs it as ONE
  transaction (``BEGIN IMMEDIATE ... COMMIT``), hands the results to the loop, which wakes each
  caller, and goes straight on to the next batch. A write coroutine returns only after the
  commit holding it succeeded.
* One refused operation (a duplicate name, say) is rolled back alone and fails only its own
  caller: a batch in which one is refused is rolled back and runs again with each operation in
  its own SAVEPOINT (batches without a refusal, nearly all of them, pay for no savepoint).
* A batch's consecutive chat messages are written together, three statements for the whole run
  (:mod:`onduty.server.store.sql_appends`); a run that is not plain (a resend, an unknown chat)
  makes the batch run one op at a time, as a refusal does.
* A batch that meets a locked database (another process, e.g. the admin CLI, holds the write
  lock longer than ``busy_timeout``) is retried as a whole a few times with a short backoff
  (reads are answered meanwhile); anything else, or the last retry, fails every caller of that
  batch with StoreUnavailable.
* Reads run on the same thread, after the batch holding the writes queued before them, so they
  see every write queued before them.
* The WAL is checkpointed on a side thread (see _maybe_checkpoint) and, as a hard bound that
  does not depend on that thread being scheduled in time, truncated by the writer itself when
  the file passes ``wal_limit_bytes``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import pathlib
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from onduty.server.store import sql, sql_chatdata
from onduty.server.store.base import MAX_PAGE
from onduty.server.store.errors import StoreError, StoreRefused, StoreUnavailable
from onduty.server.store.records import AuditEntry, ChatRecord, FileRecord, StoredMessage
from onduty.server.store.schema import migrate
from onduty.server.store.sql_appends import Append, append_all
from onduty.server.store.sqlite_cases import CaseStoreMixin
from onduty.server.store.sqlite_collab import CollabStoreMixin
from onduty.server.store.sqlite_directory import DirectoryStoreMixin
from onduty.server.store.sqlite_ratings import RatingsStoreMixin
from onduty.server.store.sqlite_staffing import StaffingStoreMixin
from onduty.server.store.sqlite_thread import DbThread, Op, Pending
from onduty.server.store.sqlite_whispers import WhispersStoreMixin
from onduty.shared.types import ChatState, EndReason, FileRef, Memo, Role

log = logging.getLogger(__name__)

T = TypeVar("T")

_SYNCHRONOUS = frozenset({"OFF", "NORMAL", "FULL", "EXTRA"})
_BUSY_TIMEOUT_MS = 5000
_BUSY_BACKOFF_S = (0.05, 0.2, 0.5)
"""Pauses before the retries of a batch that found the database locked (one retry per entry)."""
_CHECKPOINT_EVERY = 64
"""Commits between two WAL checkpoints (run on their own thread)."""
_WAL_LIMIT_BYTES = 16 * 1024 * 1024
"""Past this size the writer truncates the WAL itself before the next batch."""
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


@dataclass(frozen=True, slots=True)
class BatchStats:
    """Counters for benchmarks and monitoring: commits, the writes they carried, forced WAL truncations."""

    commits: int
    writes: int
    wal_truncations: int = 0


def _is_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY / SQLITE_LOCKED (also their extended codes): someone else holds the lock, try again."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)


def _as_store_error(exc: BaseException) -> BaseException:
    """Integrity violations are the caller's fault (StoreRefused); other driver errors mean the
    database failed (StoreUnavailable). Our own StoreErrors and the core's rule errors pass unchanged."""
    if isinstance(exc, sqlite3.IntegrityError):
        err: StoreError = StoreRefused(f"refused by the database: {exc}")
    elif isinstance(exc, sqlite3.Error):
        err = StoreUnavailable(f"database error: {exc}")
    else:
        return exc
    err.__cause__ = exc
    return err


def _run_batch(conn: sqlite3.Connection, ops: list[Op]) -> list[tuple[bool, Any]]:
    """Run ``ops`` in one transaction (on the DB thread); a refused op is rolled back alone.

    Returns ``(True, result)`` or ``(False, exception)`` per op. The common batch has no refusal, so the
    ops first run back to back, with no savepoint at all; only when one is refused is the transaction
    rolled back and the batch run again, in a new one, with each op in its own savepoint (three
    statements more per op). If the transaction itself fails
    (BEGIN or COMMIT, a lock, an aborted transaction), nothing was stored and this raises.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        try:
            results = _run_plain(conn, ops)
        except Exception as exc:
            if not conn.in_transaction or _is_busy(exc):  # the whole batch failed (or may be retried)
                raise
            conn.execute("ROLLBACK")  # then the batch again, in a new transaction (rare: no savepoint up front)
            conn.execute("BEGIN IMMEDIATE")
            results = _each_in_savepoint(conn, ops)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.rollback()
        raise
    return results


def _run_plain(conn: sqlite3.Connection, ops: list[Op]) -> list[tuple[bool, Any]]:
    """The ops of a batch back to back, each run of two or more chat messages in one go
    (:func:`~onduty.server.store.sql_appends.append_all`; it raises NotPlain for the one-by-one path)."""
    results: list[tuple[bool, Any]] = []
    run: list[Append] = []

    def flush() -> None:
        if len(run) > 1:
            results.extend((True, value) for value in append_all(conn, run))
        elif run:
            results.append((True, run[0](conn)))
        run.clear()

    for op in ops:
        if isinstance(op, Append):
            run.append(op)
            continue
        flush()
        results.append((True, op(conn)))
    flush()
    return results


def _each_in_savepoint(conn: sqlite3.Connection, ops: list[Op]) -> list[tuple[bool, Any]]:
    """The ops of a batch that holds a refusal, each in its own savepoint, so that only the refused roll back."""
    results: list[tuple[bool, Any]] = []
    for op in ops:
        conn.execute("SAVEPOINT op")
        try:
            value = op(conn)
        except Exception as exc:
            if not conn.in_transaction or _is_busy(exc):
                raise
            conn.execute("ROLLBACK TO op")
            conn.execute("RELEASE op")
            results.append((False, _as_store_error(exc)))
        else:
            conn.execute("RELEASE op")
            results.append((True, value))
    return results


def _nothing() -> None:
    """A job for the database thread's executor that only marks a place in its order."""


def _checkpoint(conn: sqlite3.Connection, mode: str = "PASSIVE") -> None:
    busy, frames, copied = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    log.debug("WAL checkpoint %s: %d of %d frames copied (busy=%d)", mode, copied, frames, busy)


class SqliteStore(DirectoryStoreMixin, CollabStoreMixin, CaseStoreMixin, RatingsStoreMixin, StaffingStoreMixin,
                  WhispersStoreMixin):
    """The :class:`Store` on one SQLite file (WAL journal, foreign keys on).

    ``busy_timeout_ms``, ``busy_backoff_s`` and ``wal_limit_bytes`` are there for tests and tuning;
    the defaults suit a server.
    """

    def __init__(self, path: pathlib.Path, *, synchronous: str = "FULL", busy_timeout_ms: int = _BUSY_TIMEOUT_MS,
                 busy_backoff_s: Sequence[float] = _BUSY_BACKOFF_S, wal_limit_bytes: int = _WAL_LIMIT_BYTES) -> None:
        if synchronous.upper() not in _SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {sorted(_SYNCHRONOUS)}, not {synchronous!r}")
        self._path = path
        self._wal_path = path.with_name(path.name + "-wal")
        self._synchronous = synchronous.upper()
        self._busy_timeout_ms = busy_timeout_ms
        self._busy_backoff_s = tuple(busy_backoff_s)
        self._wal_limit_bytes = wal_limit_bytes
        self._executor: ThreadPoolExecutor | None = None
        self._conn: sqlite3.Connection | None = None
        self._thread: DbThread | None = None
        self._closing = False
        self._healthy = True
        self._commits = 0
        self._writes = 0
        self._wal_truncations = 0
        self._checkpointer: ThreadPoolExecutor | None = None
        self._checkpoint_conn: sqlite3.Connection | None = None
        self._checkpoint_running: asyncio.Future[Any] | None = None
        self._checkpointed_at = 0
        self._catch_up = False

    @property
    def stats(self) -> BatchStats:
        return BatchStats(commits=self._commits, writes=self._writes, wal_truncations=self._wal_truncations)

    @property
    def healthy(self) -> bool:
        return self._healthy

    # ---- lifecycle ------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        """Open and configure the connection, then migrate (runs on the DB thread)."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StoreUnavailable(f"could not switch {self._path} to WAL journal mode (got {mode!r})")
            conn.execute(f"PRAGMA synchronous = {self._synchronous}")
            # Checkpoints run on their own connection and thread (see _maybe_checkpoint), so a
            # commit never waits for the WAL to be copied into the database file.
            conn.execute("PRAGMA wal_autocheckpoint = 0")
            conn.execute("PRAGMA foreign_keys = ON")
            sql.install_functions(conn)
            before = migrate(conn)
            log.info("opened store %s (schema version %d before open)", self._path, before)
        except BaseException:
            conn.close()
            raise
        return conn

    async def open(self) -> None:
        if self._executor is not None:
            raise StoreError("store already opened")
        loop = asyncio.get_running_loop()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="onduty-store")
        checkpointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="onduty-checkpoint")
        conn: sqlite3.Connection | None = None
        try:
            conn = await loop.run_in_executor(executor, self._connect)
            self._checkpoint_conn = await loop.run_in_executor(
                checkpointer, partial(sqlite3.connect, self._path, isolation_level=None, check_same_thread=False)
            )
        except BaseException as exc:
            if conn is not None:
                await loop.run_in_executor(executor, conn.close)
            executor.shutdown(wait=True)
            checkpointer.shutdown(wait=True)
            if isinstance(exc, sqlite3.Error | OSError):
                raise StoreUnavailable(f"cannot open {self._path}: {exc}") from exc
            raise
        self._executor, self._conn, self._checkpointer = executor, conn, checkpointer
        self._closing = False
        # _run_batch is looked up at every batch, so that a test may replace it on this module
        self._thread = DbThread(loop, executor, conn, run_batch=lambda c, ops: _run_batch(c, ops),
                                before_batch=self._keep_wal_small, settle=self._settle, fail=self._fail,
                                busy_backoff_s=self._busy_backoff_s, is_busy=_is_busy)

    async def close(self) -> None:
        """Finish every queued write, then close the connection and the thread."""
        if self._executor is None or self._closing:
            return
        self._closing = True
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, _nothing)  # after every queued read and write, and its result
        if self._checkpoint_running is not None:
            await asyncio.gather(self._checkpoint_running, return_exceptions=True)
        if self._checkpointer is not None:
            if self._checkpoint_conn is not None:
                await asyncio.get_running_loop().run_in_executor(self._checkpointer, self._checkpoint_conn.close)
            self._checkpointer.shutdown(wait=True)
            self._checkpoint_conn, self._checkpointer = None, None
        conn, executor = self._conn, self._executor
        if conn is not None:
            await asyncio.get_running_loop().run_in_executor(executor, conn.close)
        executor.shutdown(wait=True)
        self._conn = None
        log.info("closed store %s after %d commits", self._path, self._commits)

    def _maybe_checkpoint(self) -> None:
        """Every ``_CHECKPOINT_EVERY`` commits, copy the WAL into the database on the side (PASSIVE:
        never blocks the writer). Frames written meanwhile are copied by a short catch-up on the
        writer's thread (see _keep_wal_small); only then is the WAL complete and reused from its start,
        so it stays small under sustained load -- if this thread gets to run. The hard bound does not
        depend on that (``wal_limit_bytes``, also in _keep_wal_small)."""
        if self._commits - self._checkpointed_at < _CHECKPOINT_EVERY or self._checkpoint_running is not None:
            return
        conn, checkpointer = self._checkpoint_conn, self._checkpointer
        if conn is None or checkpointer is None:
            return
        self._checkpointed_at = self._commits
        future = asyncio.get_running_loop().run_in_executor(checkpointer, _checkpoint, conn)
        self._checkpoint_running = future

        def done(f: asyncio.Future[Any]) -> None:
            self._checkpoint_running = None
            if not f.cancelled() and (exc := f.exception()) is not None:
                log.warning("WAL checkpoint failed (retried later): %s", exc)
            else:
                self._catch_up = True

        future.add_done_callback(done)

    # ---- the two ways in ------------------------------------------------------------

    def _check_open(self) -> DbThread:
        if self._thread is None or self._conn is None or self._closing:
            raise StoreError("store is not open")
        return self._thread

    async def _read(self, op: Callable[[sqlite3.Connection], T]) -> T:
        thread = self._check_open()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        thread.read(Pending(op, future))
        try:
            return await future
        except sqlite3.Error as exc:
            raise _as_store_error(exc) from exc

    async def _write(self, op: Callable[[sqlite3.Connection], T]) -> T:
        """Queue ``op`` for the next batch (before the first suspension: that is the order guarantee);
        return once that batch has committed."""
        return await self._queue(op)

    def _queue(self, op: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Queue ``op`` for the next batch now; the future resolves once that batch has committed."""
        thread = self._check_open()
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        thread.write(Pending(op, future))
        return future

    def _fail(self, batch: list[Pending], failure: Exception) -> None:
        """On the loop: a batch stored nothing; tell its callers why."""
        self._healthy = False
        log.error("store batch of %d writes failed to commit: %s", len(batch), failure)
        error = _as_store_error(failure)
        if not isinstance(error, StoreError):
            error = StoreUnavailable(f"store batch failed: {failure!r}")
            error.__cause__ = failure
        for p in batch:
            if not p.future.done():
                p.future.set_exception(error)

    def _settle(self, batch: list[Pending], results: list[tuple[bool, Any]]) -> None:
        """On the loop: a batch came back committed from the database thread; wake its callers."""
        self._healthy = True
        self._commits += 1
        self._writes += len(batch)
        self._maybe_checkpoint()
        for p, (ok, value) in zip(batch, results, strict=True):
            if p.future.done():  # caller was cancelled; the write stands
                continue
            if ok:
                p.future.set_result(value)
            else:
                p.future.set_exception(value)

    def _keep_wal_small(self, conn: sqlite3.Connection) -> None:
        """On the database thread, before a batch: finish a side checkpoint with a short catch-up, and bound the WAL.

        The side checkpoint keeps the WAL small only if its thread runs in time; on a busy machine
        (or behind a long reader) it may not, and the WAL would grow with every commit. So when the
        file has grown past ``wal_limit_bytes`` the writer truncates it itself, whatever the side
        thread is doing: a short stall of the writes rather than a WAL without bound.
        """
        mode = None
        if self._catch_up:
            self._catch_up = False
            mode = "RESTART"  # the rest is copied; the next commit starts the WAL file from its beginning
        try:
            if os.stat(self._wal_path).st_size > self._wal_limit_bytes:
                mode = "TRUNCATE"
        except OSError:  # no WAL yet (or unreadable): nothing to bound
            pass
        if mode is None:
            return
        try:
            _checkpoint(conn, mode)
        except sqlite3.Error as exc:  # the batch that follows will tell its callers if the database failed
            log.warning("WAL checkpoint %s failed: %s", mode, exc)
            return
        if mode == "TRUNCATE":
            self._wal_truncations += 1
            log.info("WAL passed %d bytes: truncated by the writer", self._wal_limit_bytes)

    # ---- chats ----------------------------------------------------------------------

    async def create_chat(self, chat: ChatRecord) -> None:
        await self._write(partial(sql.create_chat, c=chat))

    async def get_chat(self, chat_id: str) -> ChatRecord | None:
        return await self._read(partial(sql.get_chat, chat_id=chat_id))

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
        await self._write(
            partial(
                sql.update_chat,
                chat_id=chat_id,
                state=state,
                agent=agent,
                assigned_at=assigned_at,
                ended_at=ended_at,
                closed_at=closed_at,
                end_reason=end_reason,
                queue=queue,
            )
        )

    async def open_chats(self) -> list[ChatRecord]:
        return await self._read(sql.open_chats)

    async def list_chats(
        self, queues: Sequence[str], *, query: str | None = None, before: float | None = None, limit: int = 50
    ) -> list[ChatRecord]:
        return await self._read(
            partial(sql.list_chats, queues=tuple(queues), query=query, before=before, limit=limit)
        )

    # ---- messages, cursors, audit ---------------------------------------------------

    def append_message(
        self, chat_id: str, sender: Role, sender_name: str, text: str, at: float, client_msg_id: str | None,
        file: FileRef | None = None,
    ) -> asyncio.Future[tuple[StoredMessage, bool]]:
        return self._queue(Append(chat_id, sender, sender_name, text, at, client_msg_id, file))

    async def messages_after(self, chat_id: str, after_seq: int, limit: int = MAX_PAGE) -> list[StoredMessage]:
        return await self._read(
            partial(sql.messages_after, chat_id=chat_id, after_seq=after_seq, limit=max(0, min(limit, MAX_PAGE)))
        )

    async def ack(self, chat_id: str, party: Role, seq: int) -> None:
        await self._write(partial(sql.ack, chat_id=chat_id, party=party, seq=seq))

    async def acked(self, chat_id: str, party: Role) -> int:
        return await self._read(partial(sql.acked, chat_id=chat_id, party=party))

    async def audit(self, entry: AuditEntry) -> None:
        await self._write(partial(sql.audit, e=entry))

    async def audit_log(self, chat_id: str) -> list[AuditEntry]:
        return await self._read(partial(sql.audit_log, chat_id=chat_id))

    # ---- memos, files ---------------------------------------------------------------

    async def add_memo(self, chat_id: str, author: str, text: str, at: float) -> Memo:
        return await self._write(partial(sql_chatdata.add_memo, chat_id=chat_id, author=author, text=text, at=at))

    async def memos(self, chat_id: str) -> list[Memo]:
        return await self._read(partial(sql_chatdata.memos, chat_id=chat_id))

    async def add_file(self, file: FileRecord) -> None:
        await self._write(partial(sql_chatdata.add_file, f=file))

    async def get_file(self, file_id: str) -> FileRecord | None:
        return await self._read(partial(sql_chatdata.get_file, file_id=file_id))
