"""Chat messages appended in bulk: one commit batch's run of ``append_message`` writes in three statements.

At saturation a commit batch holds hundreds of messages. One by one, each costs three statements (its seq,
its row, the chat's ``last_seq``), and each statement hands the GIL to SQLite and takes it back, against the
event loop that needs it too. :func:`append_all` writes a run of them with three statements in all: the
chats' current seqs (one query over a JSON array of chat ids), every row (one ``executemany``), every chat's
new ``last_seq`` (one ``UPDATE``). The rows still each take a step of SQLite's, but no Python between them.

It only does the plain case, which is nearly every batch: every chat exists, no message repeats a
``client_msg_id`` already stored or earlier in the run. Otherwise it raises :class:`NotPlain`, and nothing
it wrote stays: the batch runner rolls the batch back and runs its writes one by one
(:func:`~onduty.server.store.sql.append_message`), which dedupes and refuses exactly as always.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from onduty.server.store import records, sql
from onduty.server.store.records import StoredMessage


class NotPlain(Exception):
    """The run needs the one-by-one path (a resend, an unknown chat, a refused row)."""


class Append(records.Append):
    """One queued ``append_message``; called alone, it is exactly that write."""

    __slots__ = ()

    def __call__(self, conn: sqlite3.Connection) -> tuple[StoredMessage, bool]:
        return sql.append_message(conn, self.chat_id, self.sender, self.sender_name, self.text, self.at,
                                  self.client_msg_id, self.file)


_LAST_SEQS = (
    "SELECT c.chat_id, COALESCE((SELECT MAX(m.seq) FROM messages m WHERE m.chat_id = c.chat_id), 0)"
    " FROM chats c WHERE c.chat_id IN (SELECT value FROM json_each(?))"
)
_INSERT = (
    "INSERT INTO messages (chat_id, seq, sender, sender_name, text, at, client_msg_id, file_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, sender, client_msg_id) DO NOTHING"
)
"""Run with ``executemany`` (the rows are bound as they are: SQLite's JSON parser does not read every float
back exactly, and ``at`` must round-trip)."""
_LAST_SEQ = (
    "UPDATE chats SET last_seq = MAX(last_seq, (SELECT value FROM json_each(?1) WHERE key = chats.chat_id))"
    " WHERE chat_id IN (SELECT key FROM json_each(?1))"
)
"""``?1``: a JSON object, each chat's new last seq by chat id."""


def append_all(conn: sqlite3.Connection, appends: Sequence[Append]) -> list[tuple[StoredMessage, bool]]:
    """Store ``appends`` in order, as :func:`~onduty.server.store.sql.append_message` would one by one
    (the same seqs, the same ``last_seq``), or raise :class:`NotPlain` (see the module's docstring; the rows
    it inserted before noticing are rolled back with the batch)."""
    chats = list(dict.fromkeys(a.chat_id for a in appends))
    keys = [(a.chat_id, a.sender, a.client_msg_id) for a in appends if a.client_msg_id is not None]
    if len(set(keys)) != len(keys):
        raise NotPlain("a repeated client_msg_id")
    last = dict(conn.execute(_LAST_SEQS, (json.dumps(chats),)).fetchall())
    if len(last) != len(chats):
        raise NotPlain("an unknown chat")
    rows: list[tuple[object, ...]] = []
    stored: list[tuple[StoredMessage, bool]] = []
    for a in appends:
        seq = last[a.chat_id] = int(last[a.chat_id]) + 1
        rows.append((a.chat_id, seq, a.sender.value, a.sender_name, a.text, a.at, a.client_msg_id,
                     a.file.file_id if a.file else None))
        stored.append((StoredMessage(a.chat_id, seq, a.sender, a.sender_name, a.text, a.at, a.client_msg_id,
                                     a.file), True))
    try:
        inserted = conn.executemany(_INSERT, rows).rowcount
    except sqlite3.IntegrityError as exc:  # a file that is not stored, say: the one-by-one path names it
        raise NotPlain(str(exc)) from exc
    if inserted != len(rows):
        raise NotPlain("a resent client_msg_id")
    if conn.execute(_LAST_SEQ, (json.dumps(last),)).rowcount != len(last):
        raise NotPlain("a chat's last_seq was not moved")
    return stored
