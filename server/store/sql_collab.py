"""SQL for agents working together: handover discussions, mutual contacts, instant messages.

Same rules as :mod:`onduty.server.store.sql`: plain functions of one connection, run on the
store's database thread, writes inside the caller's transaction.
"""

from __future__ import annotations

import json
import sqlite3

from onduty.server.store.errors import SeqOutOfRange, StoreRefused
from onduty.server.store.records import ImRecord
from onduty.server.store.sql import Row, exists
from onduty.shared.types import BusinessContext, DiscussionState


def _pair(x: str, y: str) -> tuple[str, str]:
    return (x, y) if x < y else (y, x)


# ---- discussions --------------------------------------------------------------------


def save_discussion(
    conn: sqlite3.Connection, discussion_id: str, chat_id: str, sender: str, receiver: str | None,
    queue: str | None, state: DiscussionState, at: float,
) -> None:
    conn.execute(
        "INSERT INTO discussions (discussion_id, chat_id, sender, receiver, queue, state, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (discussion_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        (discussion_id, chat_id, sender, receiver, queue, state.value, at, at),
    )


def add_discussion_message(
    conn: sqlite3.Connection, discussion_id: str, sender: str, sender_name: str, text: str, at: float,
    client_msg_id: str,
) -> tuple[int, float, bool]:
    """(seq, at, new): a resent ``client_msg_id`` returns the first one."""
    row = conn.execute(
        "SELECT seq, at FROM discussion_messages WHERE discussion_id = ? AND sender = ? AND client_msg_id = ?",
        (discussion_id, sender, client_msg_id),
    ).fetchone()
    if row is not None:
        return int(row[0]), float(row[1]), False
    if not exists(conn, "SELECT 1 FROM discussions WHERE discussion_id = ?", discussion_id):
        raise StoreRefused(f"unknown discussion {discussion_id!r}")
    seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM discussion_messages WHERE discussion_id = ?",
                           (discussion_id,)).fetchone()[0])
    conn.execute(
        "INSERT INTO discussion_messages (discussion_id, seq, sender, sender_name, text, at, client_msg_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (discussion_id, seq, sender, sender_name, text, at, client_msg_id),
    )
    return seq, at, True


# ---- contacts -------------------------------------------------------------------------


def add_contact(conn: sqlite3.Connection, owner: str, contact: str, at: float) -> None:
    for name in (owner, contact):
        if not exists(conn, "SELECT 1 FROM agents WHERE username = ?", name):
            raise StoreRefused(f"unknown agent {name!r}")
    conn.executemany(
        "INSERT OR IGNORE INTO contacts (owner, contact, since) VALUES (?, ?, ?)",
        [(owner, contact, at), (contact, owner, at)],
    )


def remove_contact(conn: sqlite3.Connection, owner: str, contact: str) -> bool:
    cur = conn.execute(
        "DELETE FROM contacts WHERE (owner = ? AND contact = ?) OR (owner = ? AND contact = ?)",
        (owner, contact, contact, owner),
    )
    return cur.rowcount > 0


def contacts_of(conn: sqlite3.Connection, owner: str) -> list[str]:
    rows = conn.execute("SELECT contact FROM contacts WHERE owner = ? ORDER BY contact", (owner,))
    return [r[0] for r in rows]


# ---- instant messages -------------------------------------------------------------------


def im_record(row: Row) -> ImRecord:
    context = None
    if row["context"] is not None:
        c = json.loads(row["context"])
        context = BusinessContext(kind=c["kind"], id=c["id"], title=c.get("title", ""), fields=c.get("fields", {}))
    return ImRecord(a=row["a"], b=row["b"], seq=row["seq"], sender=row["sender"], sender_name=row["sender_name"],
                    text=row["text"], at=row["at"], client_msg_id=row["client_msg_id"], context=context)


_IM_COLUMNS = "a, b, seq, sender, sender_name, text, context, at, client_msg_id"


def add_im(
    conn: sqlite3.Connection, sender: str, sender_name: str, peer: str, text: str, at: float, client_msg_id: str,
    context: BusinessContext | None,
) -> tuple[ImRecord, bool]:
    a, b = _pair(sender, peer)
    row = conn.execute(
        f"SELECT {_IM_COLUMNS} FROM im_messages WHERE a = ? AND b = ? AND sender = ? AND client_msg_id = ?",
        (a, b, sender, client_msg_id),
    ).fetchone()
    if row is not None:
        return im_record(row), False
    seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM im_messages WHERE a = ? AND b = ?",
                           (a, b)).fetchone()[0])
    ctx = None if context is None else json.dumps(
        {"kind": context.kind, "id": context.id, "title": context.title, "fields": context.fields})
    conn.execute(
        f"INSERT INTO im_messages ({_IM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (a, b, seq, sender, sender_name, text, ctx, at, client_msg_id),
    )
    return ImRecord(a, b, seq, sender, sender_name, text, at, client_msg_id, context), True


def im_history(conn: sqlite3.Connection, x: str, y: str, after_seq: int, limit: int) -> list[ImRecord]:
    a, b = _pair(x, y)
    rows = conn.execute(
        f"SELECT {_IM_COLUMNS} FROM im_messages WHERE a = ? AND b = ? AND seq > ? ORDER BY seq LIMIT ?",
        (a, b, after_seq, limit),
    )
    return [im_record(r) for r in rows]


def im_last_seq(conn: sqlite3.Connection, x: str, y: str) -> int:
    a, b = _pair(x, y)
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM im_messages WHERE a = ? AND b = ?",
                            (a, b)).fetchone()[0])


def im_ack(conn: sqlite3.Connection, owner: str, peer: str, seq: int) -> None:
    last = im_last_seq(conn, owner, peer)
    if not 0 <= seq <= last:
        raise SeqOutOfRange(f"IM {owner}/{peer}", seq, last)
    conn.execute(
        "INSERT INTO im_cursors (owner, peer, acked_seq) VALUES (?, ?, ?)"
        " ON CONFLICT (owner, peer) DO UPDATE SET acked_seq = MAX(acked_seq, excluded.acked_seq)",
        (owner, peer, seq),
    )


def im_unread(conn: sqlite3.Connection, owner: str, limit: int) -> list[ImRecord]:
    """Messages to ``owner`` it has not acknowledged, per channel in order (delivered at sign-in)."""
    rows = conn.execute(
        f"SELECT {', '.join('m.' + c.strip() for c in _IM_COLUMNS.split(','))} FROM im_messages m"
        " LEFT JOIN im_cursors c ON c.owner = ? AND c.peer = m.sender"
        " WHERE (m.a = ? OR m.b = ?) AND m.sender != ? AND m.seq > COALESCE(c.acked_seq, 0)"
        " ORDER BY m.a, m.b, m.seq LIMIT ?",
        (owner, owner, owner, owner, limit),
    )
    return [im_record(r) for r in rows]


def chat_shared_with(conn: sqlite3.Connection, viewer: str, chat_id: str) -> bool:
    """Did a colleague send ``viewer`` a business context card of this chat (seed 002)?"""
    row = conn.execute(
        "SELECT 1 FROM im_messages WHERE (a = ? OR b = ?) AND sender != ? AND context IS NOT NULL"
        " AND json_extract(context, '$.kind') = 'chat' AND json_extract(context, '$.id') = ? LIMIT 1",
        (viewer, viewer, viewer, chat_id),
    ).fetchone()
    return row is not None


def open_channel(conn: sqlite3.Connection, owner: str, peer: str, at: float) -> None:
    conn.execute("INSERT OR IGNORE INTO im_channels (owner, peer, opened_at) VALUES (?, ?, ?)", (owner, peer, at))


def close_channel(conn: sqlite3.Connection, owner: str, peer: str) -> None:
    conn.execute("DELETE FROM im_channels WHERE owner = ? AND peer = ?", (owner, peer))


def open_channels(conn: sqlite3.Connection, owner: str) -> list[str]:
    rows = conn.execute("SELECT peer FROM im_channels WHERE owner = ? ORDER BY opened_at, peer", (owner,))
    return [r[0] for r in rows]
