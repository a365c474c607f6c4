"""SQL for what belongs to a queue besides its chats: canned messages and callback requests.

Same rules as :mod:`onduty.server.store.sql`: plain functions of one connection, run on the
store's database thread, writes inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from onduty.server.store.errors import StoreRefused
from onduty.server.store.sql import context_from_json, context_json, exists
from onduty.shared.types import CallbackInfo, CannedMessage, RequestType


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


def list_callbacks(conn: sqlite3.Connection, queues: Sequence[str], limit: int) -> list[CallbackInfo]:
    marks = ",".join("?" * len(queues))
    rows = conn.execute(
        f"SELECT {_CALLBACK_COLUMNS} FROM callbacks WHERE queue IN ({marks}) ORDER BY id DESC LIMIT ?",
        (*queues, limit),
    )
    return [
        CallbackInfo(
            callback_id=r["id"], queue=r["queue"], name=r["name"], phone=r["phone"], email=r["email"],
            text=r["text"], request_type=RequestType(r["request_type"]), created_at=r["created_at"],
            context=list(context_from_json(r["context"])), chat_id=r["chat_id"], verified_id=r["requestor_id"],
        )
        for r in rows
    ]


def count_callbacks(conn: sqlite3.Connection) -> dict[str, int]:
    """Callback requests per queue."""
    return {r[0]: int(r[1]) for r in conn.execute("SELECT queue, COUNT(*) FROM callbacks GROUP BY queue")}
