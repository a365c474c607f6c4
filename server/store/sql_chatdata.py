"""SQL for what is stored with a chat besides its messages: internal memos and files.

Same rules as :mod:`onduty.server.store.sql`: plain functions of one connection, run on the
store's database thread, writes inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3

from onduty.server.store.errors import StoreRefused
from onduty.server.store.records import FileRecord
from onduty.server.store.sql import exists
from onduty.shared.types import Memo


def add_memo(conn: sqlite3.Connection, chat_id: str, author: str, text: str, at: float) -> Memo:
    if not exists(conn, "SELECT 1 FROM chats WHERE chat_id = ?", chat_id):
        raise StoreRefused(f"unknown chat {chat_id!r}")
    cursor = conn.execute(
        "INSERT INTO memos (chat_id, author, text, at) VALUES (?, ?, ?, ?)", (chat_id, author, text, at)
    )
    assert cursor.lastrowid is not None
    return Memo(memo_id=cursor.lastrowid, author=author, text=text, at=at)


def memos(conn: sqlite3.Connection, chat_id: str) -> list[Memo]:
    rows = conn.execute("SELECT id, author, text, at FROM memos WHERE chat_id = ? ORDER BY id", (chat_id,))
    return [Memo(memo_id=r["id"], author=r["author"], text=r["text"], at=r["at"]) for r in rows]


_FILE_COLUMNS = "file_id, chat_id, name, size, content_type, sha256, uploaded_by, at"


def add_file(conn: sqlite3.Connection, f: FileRecord) -> None:
    if not exists(conn, "SELECT 1 FROM chats WHERE chat_id = ?", f.chat_id):
        raise StoreRefused(f"unknown chat {f.chat_id!r}")
    conn.execute(
        f"INSERT INTO files ({_FILE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (f.file_id, f.chat_id, f.name, f.size, f.content_type, f.sha256, f.uploaded_by, f.at),
    )


def get_file(conn: sqlite3.Connection, file_id: str) -> FileRecord | None:
    r = conn.execute(f"SELECT {_FILE_COLUMNS} FROM files WHERE file_id = ?", (file_id,)).fetchone()
    if r is None:
        return None
    return FileRecord(
        file_id=r["file_id"], chat_id=r["chat_id"], name=r["name"], size=r["size"],
        content_type=r["content_type"], sha256=r["sha256"], uploaded_by=r["uploaded_by"], at=r["at"],
    )
