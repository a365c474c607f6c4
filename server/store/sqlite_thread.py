"""The SQLite store's database thread: write batches back to back, reads in between, one hand-off each.

The event loop queues work here (:meth:`DbThread.write`, :meth:`DbThread.read`) and goes on. The thread
takes everything queued so far, runs the writes (as one batch, one transaction) and then the reads (each
alone), posts each result to the loop with one ``call_soon_threadsafe``, and looks again. It does
not wait for the loop between two batches: while the loop resolves one batch's futures, the next batch
is already running. (Before, the loop took each batch, handed it to the thread and waited for it to come
back; at 2,000 msgs/s the thread then stood idle about a third of each commit cycle, waiting for the loop
to wake up twice; docs/performance.md, "Eighth round".)

When nothing is queued the thread's job ends; the next piece of work starts a new one on the store's
one-thread executor, so the connection is only ever used by one thread, in order. A read sees every
write queued before it (an agent who closed a chat and then lists chats sees it closed), but it does not
wait for a batch that is held up by a database locked by another process: while such a batch waits to be
tried again, the thread answers the reads.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

Op = Callable[[sqlite3.Connection], Any]


@dataclass(slots=True)
class Pending:
    """Queued work: what to run on the database thread and the caller's future."""

    op: Op
    future: asyncio.Future[Any]


RunBatch = Callable[[sqlite3.Connection, list[Op]], list[tuple[bool, Any]]]
"""Runs a batch's ops in one transaction; ``(True, result)`` or ``(False, refusal)`` per op."""
Settle = Callable[[list[Pending], list[tuple[bool, Any]]], None]
"""Called on the loop with a committed batch and its results."""
Fail = Callable[[list[Pending], Exception], None]
"""Called on the loop with a batch that stored nothing and what made it fail."""


class DbThread:
    """Runs the store's reads and write batches on its executor's one thread (see the module's docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, executor: Executor, conn: sqlite3.Connection, *,
                 run_batch: RunBatch, before_batch: Callable[[sqlite3.Connection], None], settle: Settle, fail: Fail,
                 busy_backoff_s: Sequence[float], is_busy: Callable[[BaseException], bool]) -> None:
        self._loop = loop
        self._executor = executor
        self._conn = conn
        self._run_batch = run_batch
        self._before_batch = before_batch
        self._settle = settle
        self._fail = fail
        self._backoff = tuple(busy_backoff_s)
        self._is_busy = is_busy
        self._queued = threading.Condition()
        self._writes: list[Pending] = []
        self._reads: list[Pending] = []
        self._running = False

    def write(self, pending: Pending) -> None:
        """Queue a write for the next batch (batches keep the order writes were queued in)."""
        with self._queued:
            self._writes.append(pending)
            self._start()

    def read(self, pending: Pending) -> None:
        """Queue a read: it runs after the writes queued before it (or while they wait out a locked database)."""
        with self._queued:
            self._reads.append(pending)
            self._queued.notify()
            self._start()

    def _start(self) -> None:
        """Under the lock: make sure a job is on the thread that will see what was just queued."""
        if not self._running:
            self._running = True
            self._executor.submit(self._drain)

    # ---- on the database thread --------------------------------------------------------

    def _drain(self) -> None:
        try:
            while True:
                with self._queued:
                    reads, self._reads = self._reads, []
                    writes, self._writes = self._writes, []
                    if not reads and not writes:
                        self._running = False
                        return
                if writes:
                    self._run_writes(writes, reads)
                self._run_reads(reads)
        except BaseException:
            log.exception("the store's database thread stopped")
            with self._queued:
                self._running = False
            raise

    def _run_reads(self, reads: list[Pending]) -> None:
        """Answer ``reads`` in order (and empty the list)."""
        for pending in reads:
            self._run_read(pending)
        reads.clear()

    def _run_read(self, pending: Pending) -> None:
        try:
            value = pending.op(self._conn)
        except Exception as exc:
            self._post(_resolve, pending.future, False, exc)
        else:
            self._post(_resolve, pending.future, True, value)

    def _run_writes(self, batch: list[Pending], reads: list[Pending]) -> None:
        """Commit ``batch``; ``reads`` (queued with it) wait for the commit, unless the batch has to wait
        for a locked database: then they, and reads queued meanwhile, are answered while it waits."""
        ops = [p.op for p in batch]
        self._before_batch(self._conn)
        for attempt, pause in enumerate((*self._backoff, None), start=1):
            try:
                results = self._run_batch(self._conn, ops)
            except Exception as exc:
                if pause is None or not self._is_busy(exc):
                    self._post(self._fail, batch, exc)
                    return
                log.warning("database locked, retrying a batch of %d writes (%d)", len(ops), attempt)
                self._run_reads(reads)
                self._answer_reads_for(pause)
                continue
            self._post(self._settle, batch, results)
            return

    def _answer_reads_for(self, seconds: float) -> None:
        """Wait ``seconds`` before a batch is tried again, answering the reads queued meanwhile."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            with self._queued:
                if not self._reads:
                    self._queued.wait(left)
                reads, self._reads = self._reads, []
            self._run_reads(reads)

    def _post(self, callback: Callable[..., None], *args: Any) -> None:
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop was closed under a store that was never closed
            log.warning("store result dropped: the event loop is closed")


def _resolve(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if future.done():  # the caller was cancelled
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
