"""The store's SQL, as plain synchronous functions of one ``sqlite3.Connection``.

They run only on the store's database thread (see :mod:`onduty.server.store.sqlite`),
write functions inside a transaction the caller opened. Keeping them free of asyncio
makes each one easy to read next to its SQL and lets the batching code stay generic.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any, Protocol

from onduty.server.core.roles import StaffRole, check_role
from onduty.server.store.errors import SeqOutOfRange, StoreRefused
from onduty.server.store.records import (
    AgentRecord,
    AuditEntry,
    ChatRecord,
    QueueRecord,
    SessionRecord,
    SiteRecord,
    StoredMessage,
)
from onduty.shared.types import BusinessContext, ChatState, EndReason, FileRef, RequestType, Role

_CHAT_COLUMNS = (
    "chat_id, queue, state, requestor_name, request_type, requested_at, resume_token_hash, "
    "requestor_email, requestor_id, site, context, agent, assigned_at, ended_at, closed_at, "
    "end_reason, last_seq"
)
_MESSAGE_COLUMNS = "chat_id, seq, sender, sender_name, text, at, client_msg_id, file_id"
_MESSAGE_SELECT = (
    "SELECT m.chat_id, m.seq, m.sender, m.sender_name, m.text, m.at, m.client_msg_id, m.file_id,"
    " f.name AS file_name, f.size AS file_size, f.content_type AS file_type"
    " FROM messages m LEFT JOIN files f ON f.file_id = m.file_id"
)


class Row(Protocol):
    """A result row read by column name: ``sqlite3.Row`` here, a dict row on PostgreSQL."""

    def __getitem__(self, key: str, /) -> Any: ...


def _contains(haystack: str | None, needle: str | None) -> bool:
    """Unicode case-insensitive substring test (SQLite's LIKE folds ASCII only)."""
    if haystack is None or needle is None:
        return False
    return needle.casefold() in haystack.casefold()


def install_functions(conn: sqlite3.Connection) -> None:
    """Register the SQL functions the queries below use."""
    conn.create_function("od_contains", 2, _contains, deterministic=True)


# ---- rows <-> records ---------------------------------------------------------------


def context_json(context: Sequence[BusinessContext]) -> str:
    return json.dumps([{"kind": c.kind, "id": c.id, "title": c.title, "fields": c.fields} for c in context])


def context_from_json(text: str) -> tuple[BusinessContext, ...]:
    items = json.loads(text)
    return tuple(
        BusinessContext(
            kind=i["kind"], id=i["id"], title=i.get("title", ""), fields=dict(i.get("fields", {}))
        )
        for i in items
    )


def chat_record(row: Row) -> ChatRecord:
    return ChatRecord(
        chat_id=row["chat_id"],
        queue=row["queue"],
        state=ChatState(row["state"]),
        requestor_name=row["requestor_name"],
        request_type=RequestType(row["request_type"]),
        requested_at=row["requested_at"],
        resume_token_hash=row["resume_token_hash"],
        requestor_email=row["requestor_email"],
        requestor_id=row["requestor_id"],
        site=row["site"],
        context=context_from_json(row["context"]),
        agent=row["agent"],
        assigned_at=row["assigned_at"],
        ended_at=row["ended_at"],
        closed_at=row["closed_at"],
        end_reason=None if row["end_reason"] is None else EndReason(row["end_reason"]),
        last_seq=row["last_seq"],
    )


def message_record(row: Row) -> StoredMessage:
    return StoredMessage(
        chat_id=row["chat_id"],
        seq=row["seq"],
        sender=Role(row["sender"]),
        sender_name=row["sender_name"],
        text=row["text"],
        at=row["at"],
        client_msg_id=row["client_msg_id"],
        file=None if row["file_id"] is None else FileRef(
            file_id=row["file_id"], name=row["file_name"], size=row["file_size"], content_type=row["file_type"]
        ),
    )


def queue_record(row: Row) -> QueueRecord:
    return QueueRecord(
        name=row["name"],
        title=row["title"],
        region=row["region"],
        max_wait_s=row["max_wait_s"],
        anonymous=bool(row["anonymous"]),
    )


def agent_record(row: Row, queues: tuple[str, ...], supervises: tuple[str, ...] = ()) -> AgentRecord:
    return AgentRecord(
        username=row["username"],
        display_name=row["display_name"],
        region=row["region"],
        lob=row["lob"],
        queues=queues,
        password_hash=row["password_hash"],
        capacity=row["capacity"],
        created_at=row["created_at"],
        phone=row["phone"],
        email=row["email"],
        role=StaffRole(row["role"]),
        supervises=supervises,
    )


def exists(conn: sqlite3.Connection, sql: str, *args: object) -> bool:
    return conn.execute(sql, args).fetchone() is not None


# ---- queues, agents, sites, sessions ------------------------------------------------


def add_queue(conn: sqlite3.Connection, q: QueueRecord) -> None:
    if exists(conn, "SELECT 1 FROM queues WHERE name = ?", q.name):
        raise StoreRefused(f"queue {q.name!r} already exists")
    conn.execute(
        "INSERT INTO queues (name, title, region, max_wait_s, anonymous) VALUES (?, ?, ?, ?, ?)",
        (q.name, q.title, q.region, q.max_wait_s, int(q.anonymous)),
    )


def get_queue(conn: sqlite3.Connection, name: str) -> QueueRecord | None:
    row = conn.execute("SELECT * FROM queues WHERE name = ?", (name,)).fetchone()
    return None if row is None else queue_record(row)


def list_queues(conn: sqlite3.Connection) -> list[QueueRecord]:
    return [queue_record(r) for r in conn.execute("SELECT * FROM queues ORDER BY name")]


def add_agent(conn: sqlite3.Connection, a: AgentRecord) -> None:
    if exists(conn, "SELECT 1 FROM agents WHERE username = ?", a.username):
        raise StoreRefused(f"agent {a.username!r} already exists")
    if len(set(a.queues)) != len(a.queues):
        raise StoreRefused(f"agent {a.username!r} lists a queue twice: {list(a.queues)}")
    unknown = [q for q in a.queues if not exists(conn, "SELECT 1 FROM queues WHERE name = ?", q)]
    if unknown:
        raise StoreRefused(f"agent {a.username!r}: unknown queue(s) {unknown}")
    supervises = _checked_role(conn, a.username, a.role, a.supervises)
    conn.execute(
        "INSERT INTO agents (username, display_name, region, lob, password_hash, capacity, created_at, phone, email,"
        " role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (a.username, a.display_name, a.region, a.lob, a.password_hash, a.capacity, a.created_at, a.phone,
         a.email, StaffRole(a.role).value),
    )
    conn.executemany(
        "INSERT INTO agent_queues (username, queue, position) VALUES (?, ?, ?)",
        [(a.username, q, i) for i, q in enumerate(a.queues)],
    )
    _insert_supervises(conn, a.username, supervises)


def _checked_role(conn: sqlite3.Connection, username: str, role: StaffRole, supervises: tuple[str, ...]
                  ) -> tuple[str, ...]:
    try:
        queues = check_role(StaffRole(role), supervises)
    except ValueError as exc:
        raise StoreRefused(f"agent {username!r}: {exc}") from None
    unknown = [q for q in queues if not exists(conn, "SELECT 1 FROM queues WHERE name = ?", q)]
    if unknown:
        raise StoreRefused(f"agent {username!r}: unknown queue(s) to supervise {unknown}")
    return queues


def _insert_supervises(conn: sqlite3.Connection, username: str, queues: tuple[str, ...]) -> None:
    conn.executemany(
        "INSERT INTO agent_supervises (username, queue, position) VALUES (?, ?, ?)",
        [(username, q, i) for i, q in enumerate(queues)],
    )


def set_role(conn: sqlite3.Connection, username: str, role: StaffRole, supervises: tuple[str, ...]) -> None:
    if not exists(conn, "SELECT 1 FROM agents WHERE username = ?", username):
        raise StoreRefused(f"unknown agent {username!r}")
    queues = _checked_role(conn, username, role, supervises)
    conn.execute("UPDATE agents SET role = ? WHERE username = ?", (StaffRole(role).value, username))
    conn.execute("DELETE FROM agent_supervises WHERE username = ?", (username,))
    _insert_supervises(conn, username, queues)


def _supervises(conn: sqlite3.Connection, username: str | None) -> dict[str, list[str]]:
    sql = "SELECT username, queue FROM agent_supervises"
    args: tuple[str, ...] = ()
    if username is not None:
        sql += " WHERE username = ?"
        args = (username,)
    out: dict[str, list[str]] = {}
    for r in conn.execute(sql + " ORDER BY username, position", args):
        out.setdefault(r["username"], []).append(r["queue"])
    return out


def _agent_queues(conn: sqlite3.Connection, username: str | None) -> dict[str, list[str]]:
    sql = "SELECT username, queue FROM agent_queues"
    args: tuple[str, ...] = ()
    if username is not None:
        sql += " WHERE username = ?"
        args = (username,)
    out: dict[str, list[str]] = {}
    for r in conn.execute(sql + " ORDER BY username, position", args):
        out.setdefault(r["username"], []).append(r["queue"])
    return out


def get_agent(conn: sqlite3.Connection, username: str) -> AgentRecord | None:
    row = conn.execute("SELECT * FROM agents WHERE username = ?", (username,)).fetchone()
    if row is None:
        return None
    return agent_record(row, tuple(_agent_queues(conn, username).get(username, ())),
                        tuple(_supervises(conn, username).get(username, ())))


def list_agents(conn: sqlite3.Connection) -> list[AgentRecord]:
    queues = _agent_queues(conn, None)
    supervises = _supervises(conn, None)
    rows = conn.execute("SELECT * FROM agents ORDER BY username").fetchall()
    return [agent_record(r, tuple(queues.get(r["username"], ())), tuple(supervises.get(r["username"], ())))
            for r in rows]


def set_password(conn: sqlite3.Connection, username: str, password_hash: str) -> None:
    cur = conn.execute("UPDATE agents SET password_hash = ? WHERE username = ?", (password_hash, username))
    if cur.rowcount == 0:
        raise StoreRefused(f"unknown agent {username!r}")


def add_site(conn: sqlite3.Connection, s: SiteRecord) -> None:
    if exists(conn, "SELECT 1 FROM sites WHERE name = ?", s.name):
        raise StoreRefused(f"site {s.name!r} already exists")
    conn.execute("INSERT INTO sites (name, secret) VALUES (?, ?)", (s.name, s.secret))


def get_site(conn: sqlite3.Connection, name: str) -> SiteRecord | None:
    row = conn.execute("SELECT name, secret FROM sites WHERE name = ?", (name,)).fetchone()
    return None if row is None else SiteRecord(name=row["name"], secret=row["secret"])


def add_session(conn: sqlite3.Connection, s: SessionRecord) -> None:
    if not exists(conn, "SELECT 1 FROM agents WHERE username = ?", s.username):
        raise StoreRefused(f"session for unknown agent {s.username!r}")
    conn.execute(
        "INSERT INTO sessions (token_hash, username, expires_at) VALUES (?, ?, ?)",
        (s.token_hash, s.username, s.expires_at),
    )


def get_session(conn: sqlite3.Connection, token_hash: str) -> SessionRecord | None:
    row = conn.execute("SELECT * FROM sessions WHERE token_hash = ?", (token_hash,)).fetchone()
    if row is None:
        return None
    return SessionRecord(token_hash=row["token_hash"], username=row["username"], expires_at=row["expires_at"])


def delete_session(conn: sqlite3.Connection, token_hash: str) -> None:
    conn.execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))


# ---- chats --------------------------------------------------------------------------


def create_chat(conn: sqlite3.Connection, c: ChatRecord) -> None:
    if exists(conn, "SELECT 1 FROM chats WHERE chat_id = ?", c.chat_id):
        raise StoreRefused(f"chat {c.chat_id!r} already exists")
    if not exists(conn, "SELECT 1 FROM queues WHERE name = ?", c.queue):
        raise StoreRefused(f"chat {c.chat_id!r}: unknown queue {c.queue!r}")
    conn.execute(
        f"INSERT INTO chats ({_CHAT_COLUMNS}) VALUES ({', '.join('?' * 17)})",
        (
            c.chat_id, c.queue, c.state.value, c.requestor_name, c.request_type.value, c.requested_at,
            c.resume_token_hash, c.requestor_email, c.requestor_id, c.site, context_json(c.context),
            c.agent, c.assigned_at, c.ended_at, c.closed_at,
            None if c.end_reason is None else c.end_reason.value, c.last_seq,
        ),
    )  # fmt: skip


def get_chat(conn: sqlite3.Connection, chat_id: str) -> ChatRecord | None:
    row = conn.execute(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE chat_id = ?", (chat_id,)).fetchone()
    return None if row is None else chat_record(row)


def update_chat(
    conn: sqlite3.Connection,
    chat_id: str,
    state: ChatState,
    agent: str | None,
    assigned_at: float | None,
    ended_at: float | None,
    closed_at: float | None,
    end_reason: EndReason | None,
    queue: str | None = None,
) -> None:
    """Set ``state``; other columns only where given, ``agent`` cleared when waiting."""
    sets, args = chat_changes(state, agent, assigned_at, ended_at, closed_at, end_reason, queue, "?")
    args.append(chat_id)
    cur = conn.execute(f"UPDATE chats SET {', '.join(sets)} WHERE chat_id = ?", args)
    if cur.rowcount == 0:
        raise StoreRefused(f"unknown chat {chat_id!r}")


def chat_changes(
    state: ChatState, agent: str | None, assigned_at: float | None, ended_at: float | None,
    closed_at: float | None, end_reason: EndReason | None, queue: str | None, mark: str,
) -> tuple[list[str], list[object]]:
    """The ``SET`` terms and their arguments of ``update_chat`` (``mark``: the driver's placeholder)."""
    sets = [f"state = {mark}"]
    args: list[object] = [state.value]
    if queue is not None:
        sets.append(f"queue = {mark}")
        args.append(queue)
    if state is ChatState.WAITING:
        sets.append("agent = NULL")
    elif agent is not None:
        sets.append(f"agent = {mark}")
        args.append(agent)
    for column, value in (("assigned_at", assigned_at), ("ended_at", ended_at), ("closed_at", closed_at)):
        if value is not None:
            sets.append(f"{column} = {mark}")
            args.append(value)
    if end_reason is not None:
        sets.append(f"end_reason = {mark}")
        args.append(end_reason.value)
    return sets, args


_OPEN_STATES = tuple(s.value for s in ChatState if s is not ChatState.CLOSED)


def open_chats(conn: sqlite3.Connection) -> list[ChatRecord]:
    """``state IN (...)`` rather than ``!= 'closed'`` so the ``chats_state`` index skips closed chats,
    which are nearly all of them after a while."""
    rows = conn.execute(
        f"SELECT {_CHAT_COLUMNS} FROM chats WHERE state IN ({', '.join('?' * len(_OPEN_STATES))})"
        " ORDER BY requested_at, chat_id",
        _OPEN_STATES,
    )
    return [chat_record(r) for r in rows]


def list_chats(
    conn: sqlite3.Connection, queues: Sequence[str], query: str | None, before: float | None, limit: int
) -> list[ChatRecord]:
    if not queues or limit <= 0:
        return []
    where = [f"queue IN ({', '.join('?' * len(queues))})"]
    args: list[object] = list(queues)
    if before is not None:
        where.append("requested_at < ?")
        args.append(before)
    if query:
        where.append(
            "(od_contains(requestor_name, ?) OR od_contains(requestor_email, ?)"
            " OR od_contains(agent, ?) OR EXISTS (SELECT 1 FROM messages m"
            " WHERE m.chat_id = chats.chat_id AND od_contains(m.text, ?)))"
        )
        args.extend([query] * 4)
    args.append(limit)
    sql = (
        f"SELECT {_CHAT_COLUMNS} FROM chats WHERE {' AND '.join(where)}"
        " ORDER BY requested_at DESC, chat_id DESC LIMIT ?"
    )
    return [chat_record(r) for r in conn.execute(sql, args)]


# ---- messages, cursors, audit -------------------------------------------------------


def append_message(
    conn: sqlite3.Connection,
    chat_id: str,
    sender: Role,
    sender_name: str,
    text: str,
    at: float,
    client_msg_id: str | None,
    file: FileRef | None = None,
) -> tuple[StoredMessage, bool]:
    """Next seq is computed here, inside the write transaction, so it cannot race. A resent
    ``client_msg_id`` (the unique key with chat and sender) inserts nothing and returns the stored message."""
    row = conn.execute(
        "SELECT COALESCE((SELECT MAX(seq) FROM messages WHERE chat_id = ?1), 0) FROM chats WHERE chat_id = ?1",
        (chat_id,),
    ).fetchone()
    if row is None:
        raise StoreRefused(f"unknown chat {chat_id!r}")
    seq = int(row[0]) + 1
    inserted = conn.execute(
        f"INSERT INTO messages ({_MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (chat_id, sender, client_msg_id) DO NOTHING",
        (chat_id, seq, sender.value, sender_name, text, at, client_msg_id, file.file_id if file else None),
    ).rowcount
    if not inserted:
        row = conn.execute(
            f"{_MESSAGE_SELECT} WHERE m.chat_id = ? AND m.sender = ? AND m.client_msg_id = ?",
            (chat_id, sender.value, client_msg_id),
        ).fetchone()
        return message_record(row), False
    conn.execute("UPDATE chats SET last_seq = MAX(last_seq, ?) WHERE chat_id = ?", (seq, chat_id))
    return StoredMessage(chat_id, seq, sender, sender_name, text, at, client_msg_id, file), True


def messages_after(conn: sqlite3.Connection, chat_id: str, after_seq: int, limit: int) -> list[StoredMessage]:
    rows = conn.execute(
        f"{_MESSAGE_SELECT} WHERE m.chat_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?",
        (chat_id, after_seq, limit),
    )
    return [message_record(r) for r in rows]


def ack(conn: sqlite3.Connection, chat_id: str, party: Role, seq: int) -> None:
    row = conn.execute("SELECT last_seq FROM chats WHERE chat_id = ?", (chat_id,)).fetchone()
    if row is None:
        raise StoreRefused(f"unknown chat {chat_id!r}")
    if not 0 <= seq <= row[0]:
        raise SeqOutOfRange(f"chat {chat_id}", seq, row[0])
    conn.execute(
        "INSERT INTO cursors (chat_id, party, acked_seq) VALUES (?, ?, ?)"
        " ON CONFLICT (chat_id, party) DO UPDATE SET acked_seq = MAX(acked_seq, excluded.acked_seq)",
        (chat_id, party.value, seq),
    )


def acked(conn: sqlite3.Connection, chat_id: str, party: Role) -> int:
    row = conn.execute(
        "SELECT acked_seq FROM cursors WHERE chat_id = ? AND party = ?", (chat_id, party.value)
    ).fetchone()
    return 0 if row is None else int(row[0])


def audit(conn: sqlite3.Connection, e: AuditEntry) -> None:
    conn.execute(
        "INSERT INTO audit (at, kind, chat_id, agent, detail) VALUES (?, ?, ?, ?, ?)",
        (e.at, e.kind, e.chat_id, e.agent, json.dumps(e.detail, sort_keys=True)),
    )


def audit_log(conn: sqlite3.Connection, chat_id: str) -> list[AuditEntry]:
    rows = conn.execute(
        "SELECT at, kind, chat_id, agent, detail FROM audit WHERE chat_id = ? ORDER BY id", (chat_id,)
    )
    return [
        AuditEntry(
            at=r["at"], kind=r["kind"], chat_id=r["chat_id"], agent=r["agent"], detail=json.loads(r["detail"])
        )
        for r in rows
    ]
