"""SQL for what belongs to a queue besides its chats: canned messages and callback requests.

Same rules as :mod:`onduty.server.store.sql`: plain functions of one connection, run on the
store's database thread, writes inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from onduty.server.core import callbacks as rules
from onduty.server.store.errors import StoreRefused
from onduty.server.store.sql import context_from_json, context_json, exists
from onduty.shared.types import CallbackInfo, CallbackOutcome, CannedMessage, RequestType


def set_canned(conn: sqlite3.Connection, item: CannedMessage) -> None:
    """Add or replace the text of ``item.shortcut`` in its queue."""
    if not exists(conn, "SELECT 1 FROM queues WHERE name = ?", item.queue):
        raise StoreRefused(f"unknown queue {item.queue!r}")
    conn.execute(
        "INSERT INTO canned (queue, shortcut, text) VALUES (?, ?, ?)"
        " ON CONFLICT (queue, shortcut) DO UPDATE SET text = excluded.text",
        (item.queue, item.shortcut, item.text),
    )


def remove_canned(conn: sqlite3.Connection, queue: str, shortcut: str) -> bool:
    return conn.execute("DELETE FROM canned WHERE queue = ? AND shortcut = ?", (queue, shortcut)).rowcount > 0


def list_canned(conn: sqlite3.Connection, queues: Sequence[str]) -> list[CannedMessage]:
    marks = ",".join("?" * len(queues))
    rows = conn.execute(
        f"SELECT queue, shortcut, text FROM canned WHERE queue IN ({marks}) ORDER BY queue, shortcut",
        tuple(queues),
    )
    return [CannedMessage(queue=r["queue"], shortcut=r["shortcut"], text=r["text"]) for r in rows]


_CALLBACK_COLUMNS = (
    "id, queue, name, phone, email, text, request_type, context, chat_id, requestor_id, site, created_at"
)
_CLAIM_COLUMNS = "claimed_by, claimed_at, claimed_until, done_by, done_at, outcome, note"


def callback_info(r: sqlite3.Row) -> CallbackInfo:
    return CallbackInfo(
        callback_id=r["id"], queue=r["queue"], name=r["name"], phone=r["phone"], email=r["email"],
        text=r["text"], request_type=RequestType(r["request_type"]), created_at=r["created_at"],
        context=list(context_from_json(r["context"])), chat_id=r["chat_id"], verified_id=r["requestor_id"],
        claimed_by=r["claimed_by"], claimed_at=r["claimed_at"], claimed_until=r["claimed_until"],
        done_by=r["done_by"], done_at=r["done_at"], outcome=CallbackOutcome(r["outcome"]) if r["outcome"] else None,
        note=r["note"],
    )


def add_callback(conn: sqlite3.Connection, c: CallbackInfo, site: str | None) -> int:
    if not exists(conn, "SELECT 1 FROM queues WHERE name = ?", c.queue):
        raise StoreRefused(f"unknown queue {c.queue!r}")
    if c.phone is None and c.email is None:
        raise StoreRefused("a callback needs a phone number or an e-mail address")
    cursor = conn.execute(
        f"INSERT INTO callbacks ({_CALLBACK_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (c.queue, c.name, c.phone, c.email, c.text, c.request_type.value, context_json(c.context), c.chat_id,
         c.verified_id, site, c.created_at),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def list_callbacks(conn: sqlite3.Connection, queues: Sequence[str], limit: int, done: bool) -> list[CallbackInfo]:
    marks = ",".join("?" * len(queues))
    which = "" if done else " AND done_at IS NULL"
    rows = conn.execute(
        f"SELECT {_CALLBACK_COLUMNS}, {_CLAIM_COLUMNS} FROM callbacks WHERE queue IN ({marks}){which}"
        " ORDER BY id DESC LIMIT ?",
        (*queues, limit),
    )
    return [callback_info(r) for r in rows]


def get_callback(conn: sqlite3.Connection, callback_id: int) -> CallbackInfo | None:
    row = conn.execute(f"SELECT {_CALLBACK_COLUMNS}, {_CLAIM_COLUMNS} FROM callbacks WHERE id = ?",
                       (callback_id,)).fetchone()
    return callback_info(row) if row is not None else None


def _save_claim(conn: sqlite3.Connection, c: CallbackInfo) -> None:
    conn.execute(
        "UPDATE callbacks SET claimed_by = ?, claimed_at = ?, claimed_until = ?, done_by = ?, done_at = ?,"
        " outcome = ?, note = ? WHERE id = ?",
        (c.claimed_by, c.claimed_at, c.claimed_until, c.done_by, c.done_at, c.outcome.value if c.outcome else None,
         c.note, c.callback_id),
    )


def change_callback(conn: sqlite3.Connection, callback_id: int,
                    change: Callable[[CallbackInfo], CallbackInfo]) -> CallbackInfo | None:
    """Read, apply ``change`` (a rule of :mod:`onduty.server.core.callbacks`, which may refuse), write back its
    claim and outcome, all in the caller's transaction."""
    current = get_callback(conn, callback_id)
    if current is None:
        return None
    changed = change(current)
    _save_claim(conn, changed)
    return changed


def release_lapsed_callbacks(conn: sqlite3.Connection, now: float) -> list[CallbackInfo]:
    rows = conn.execute(
        f"SELECT {_CALLBACK_COLUMNS}, {_CLAIM_COLUMNS} FROM callbacks"
        " WHERE done_at IS NULL AND claimed_by IS NOT NULL AND claimed_until <= ? ORDER BY id", (now,),
    ).fetchall()
    conn.execute("UPDATE callbacks SET claimed_by = NULL, claimed_at = NULL, claimed_until = NULL"
                 " WHERE done_at IS NULL AND claimed_by IS NOT NULL AND claimed_until <= ?", (now,))
    return [rules.released(callback_info(r)) for r in rows]


def count_callbacks(conn: sqlite3.Connection, now: float) -> dict[str, int]:
    """Open callback requests per queue: not done, not claimed (or the claim lapsed by ``now``)."""
    return {r[0]: int(r[1]) for r in conn.execute(
        "SELECT queue, COUNT(*) FROM callbacks WHERE done_at IS NULL AND (claimed_by IS NULL OR claimed_until <= ?)"
        " GROUP BY queue", (now,))}
