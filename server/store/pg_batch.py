"""One batch of writes as one PostgreSQL transaction, with few round trips.

A batch is the list of writes queued since the last commit, in the order they were received.
It runs in two ways:

* **fast**: every write in order inside one transaction, with the chat messages of consecutive
  :class:`Append` writes sent together in one call of ``od_append_messages`` (one round trip
  for a whole run of messages). An expected refusal of a message (unknown chat) is a result,
  not an error, so it does not disturb the others.
* **careful**, only when a write of the fast run raised: the transaction is rolled back and the
  batch runs again with each write in its own savepoint, so a refused write fails alone and the
  others commit. Writes are deterministic in the data they read, so the rerun does what the
  fast run would have done.

A failure of the connection or the transaction itself (``psycopg.OperationalError``: connection
lost, deadlock, serialization failure) is not a refusal: it is raised to the writer, which fails
or retries the whole batch.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import psycopg
from psycopg.rows import DictRow

from onduty.server.store.errors import Fenced, StoreError, StoreRefused, StoreUnavailable
from onduty.server.store.records import Append, StoredMessage
from onduty.shared.types import FileRef

Conn = psycopg.AsyncConnection[DictRow]
Op = Callable[[Conn], Awaitable[Any]]
Outcome = tuple[bool, Any]
"""``(True, result)`` or ``(False, exception)`` for one write."""


Write = Op | Append


def as_store_error(exc: BaseException) -> BaseException:
    """Integrity violations are the caller's fault (StoreRefused), other driver errors mean the
    database failed (StoreUnavailable); our own errors and the core's rule errors pass unchanged."""
    if isinstance(exc, psycopg.errors.IntegrityError):
        err: StoreError = StoreRefused(f"refused by the database: {exc}")
    elif isinstance(exc, psycopg.Error):
        err = StoreUnavailable(f"database error: {exc}")
    else:
        return exc
    err.__cause__ = exc
    return err


_APPEND = "SELECT * FROM od_append_messages(%s, %s, %s, %s, %s, %s, %s)"
_FILE = "SELECT name, size, content_type FROM files WHERE file_id = %s"


async def _append_run(conn: Conn, run: Sequence[Append]) -> list[Outcome]:
    """Store a run of messages with one call; one outcome per message, in order."""
    columns = (
        [a.chat_id for a in run], [a.sender.value for a in run], [a.sender_name for a in run],
        [a.text for a in run], [a.at for a in run], [a.client_msg_id for a in run],
        [a.file.file_id if a.file else None for a in run],
    )
    cur = await conn.execute(_APPEND, columns)
    rows = await cur.fetchall()
    outcomes: list[Outcome] = []
    for a, row in zip(run, rows, strict=True):
        status = row["status"]
        if status == "unknown_chat":
            outcomes.append((False, StoreRefused(f"unknown chat {a.chat_id!r}")))
        elif status == "unknown_file":
            outcomes.append((False, StoreRefused(f"unknown file {a.file.file_id if a.file else None!r}")))
        else:
            file = a.file if status == "new" else await _stored_file(conn, row["file_id"])
            message = StoredMessage(a.chat_id, row["seq"], a.sender, row["sender_name"], row["text"], row["at"],
                                    a.client_msg_id, file)
            outcomes.append((True, (message, status == "new")))
    return outcomes


async def _stored_file(conn: Conn, file_id: str | None) -> FileRef | None:
    if file_id is None:
        return None
    cur = await conn.execute(_FILE, (file_id,))
    row = await cur.fetchone()
    assert row is not None  # a foreign key
    return FileRef(file_id=file_id, name=row["name"], size=row["size"], content_type=row["content_type"])


class _Raised(Exception):
    """A write of the fast run raised: roll back and run the batch carefully."""


async def _fast(conn: Conn, writes: Sequence[Write]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    i = 0
    while i < len(writes):
        write = writes[i]
        if isinstance(write, Append):
            j = i
            while j < len(writes) and isinstance(writes[j], Append):
                j += 1
            run = [w for w in writes[i:j] if isinstance(w, Append)]
            outcomes.extend(await _append_run(conn, run))
            i = j
            continue
        try:
            outcomes.append((True, await write(conn)))
        except psycopg.OperationalError:
            raise
        except Exception as exc:
            raise _Raised from exc
        i += 1
    return outcomes


async def _careful(conn: Conn, writes: Sequence[Write]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for write in writes:
        try:
            async with conn.transaction():  # a savepoint inside the batch's transaction
                if isinstance(write, Append):
                    [outcome] = await _append_run(conn, [write])
                else:
                    outcome = (True, await write(conn))
        except psycopg.OperationalError:
            raise
        except Exception as exc:
            outcome = (False, as_store_error(exc))
        outcomes.append(outcome)
    return outcomes


_EPOCH = "SELECT epoch, node FROM routing_owner WHERE id = 1 FOR SHARE"


async def check_epoch(conn: Conn, epoch: int) -> None:
    """Fencing: refuse the transaction unless routing is still owned with ``epoch``. The row stays
    share-locked until the transaction ends, so a node taking over waits for this batch to commit
    and every later batch of this node sees the new epoch."""
    cur = await conn.execute(_EPOCH)
    row = await cur.fetchone()
    if row is None or row["epoch"] != epoch:
        current = None if row is None else row["epoch"]
        raise Fenced(f"routing is owned by {row['node'] if row else '?'} with epoch {current}, not epoch {epoch}"
                     " any more: nothing of this batch was stored")


async def run_batch(conn: Conn, writes: Sequence[Write], epoch: int | None = None) -> list[Outcome]:
    """Run ``writes`` as one committed transaction; an outcome per write, in order. With ``epoch``
    (a cluster's routing owner), the whole batch is refused with :class:`Fenced` once another node
    owns routing.

    Raises (a ``psycopg.Error``, or Fenced) when the transaction itself failed: then nothing was stored.
    """
    try:
        async with conn.transaction():
            if epoch is not None:
                await check_epoch(conn, epoch)
            return await _fast(conn, writes)
    except _Raised:
        pass
    async with conn.transaction():
        if epoch is not None:
            await check_epoch(conn, epoch)
        return await _careful(conn, writes)
