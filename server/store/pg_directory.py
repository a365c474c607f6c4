"""Queues, agents (with their duty and presence), sites, sessions, canned messages and callback
requests on the PostgreSQL store: mixed into :class:`~onduty.server.store.pg.PostgresStore`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from onduty.server.core import callbacks as rules
from onduty.server.core.roles import StaffRole, check_role
from onduty.server.store.errors import StoreRefused
from onduty.server.store.pg_batch import Conn, Write
from onduty.server.store.pg_query import exists, one, rows, run
from onduty.server.store.records import AgentRecord, AgentState, QueueRecord, SessionRecord, SiteRecord
from onduty.server.store.sql import agent_record, context_from_json, context_json, queue_record
from onduty.shared.types import CallbackInfo, CallbackOutcome, CannedMessage, Presence, RequestType

T = TypeVar("T")

CALLBACK_COLUMNS = (
    "id, queue, name, phone, email, text, request_type, context, chat_id, requestor_id, site, created_at,"
    " claimed_by, claimed_at, claimed_until, done_by, done_at, outcome, note"
)


def callback_info(r: Any) -> CallbackInfo:
    return CallbackInfo(
        callback_id=r["id"], queue=r["queue"], name=r["name"], phone=r["phone"], email=r["email"], text=r["text"],
        request_type=RequestType(r["request_type"]), created_at=r["created_at"],
        context=list(context_from_json(r["context"])), chat_id=r["chat_id"], verified_id=r["requestor_id"],
        claimed_by=r["claimed_by"], claimed_at=r["claimed_at"], claimed_until=r["claimed_until"],
        done_by=r["done_by"], done_at=r["done_at"], outcome=CallbackOutcome(r["outcome"]) if r["outcome"] else None,
        note=r["note"],
    )


async def _known(conn: Conn, table_sql: str, key: str, what: str) -> None:
    if not await exists(conn, table_sql, key):
        raise StoreRefused(f"unknown {what} {key!r}")


_QUEUE = "SELECT 1 FROM queues WHERE name = %s"
_AGENT = "SELECT 1 FROM agents WHERE username = %s"


async def _agent_queues(conn: Conn, username: str | None, table: str = "agent_queues") -> dict[str, list[str]]:
    found = await rows(conn, f"SELECT username, queue FROM {table} WHERE %s::text IS NULL OR username = %s"
                             " ORDER BY username, position", username, username)
    out: dict[str, list[str]] = {}
    for r in found:
        out.setdefault(r["username"], []).append(r["queue"])
    return out


async def _checked_role(conn: Conn, username: str, role: StaffRole, supervises: Sequence[str]) -> tuple[str, ...]:
    try:
        queues = check_role(StaffRole(role), supervises)
    except ValueError as exc:
        raise StoreRefused(f"agent {username!r}: {exc}") from None
    known = {r["name"] for r in await rows(conn, "SELECT name FROM queues WHERE name = ANY (%s)", list(queues))}
    if unknown := [q for q in queues if q not in known]:
        raise StoreRefused(f"agent {username!r}: unknown queue(s) to supervise {unknown}")
    return queues


async def _insert_supervises(conn: Conn, username: str, queues: tuple[str, ...]) -> None:
    await run(conn, "INSERT INTO agent_supervises (username, queue, position)"
                    " SELECT %s, q, p - 1 FROM unnest(%s::text[]) WITH ORDINALITY AS t(q, p)",
              username, list(queues))


class DirectoryMixin:
    """The directory part of the PostgreSQL store; methods use the store's ``_read`` / ``_write``."""

    if TYPE_CHECKING:  # provided by PostgresStore
        async def _read(self, op: Callable[[Conn], Awaitable[T]], *, snapshot: bool = False) -> T: ...
        async def _write(self, op: Write) -> Any: ...

    async def add_queue(self, queue: QueueRecord) -> None:
        q = queue

        async def op(conn: Conn) -> None:
            if await exists(conn, _QUEUE, q.name):
                raise StoreRefused(f"queue {q.name!r} already exists")
            await run(conn, "INSERT INTO queues (name, title, region, max_wait_s, anonymous)"
                            " VALUES (%s, %s, %s, %s, %s)", q.name, q.title, q.region, q.max_wait_s, q.anonymous)

        await self._write(op)

    async def get_queue(self, name: str) -> QueueRecord | None:
        async def op(conn: Conn) -> QueueRecord | None:
            row = await one(conn, "SELECT * FROM queues WHERE name = %s", name)
            return None if row is None else queue_record(row)

        return await self._read(op)

    async def list_queues(self) -> list[QueueRecord]:
        async def op(conn: Conn) -> list[QueueRecord]:
            return [queue_record(r) for r in await rows(conn, "SELECT * FROM queues ORDER BY name")]

        return await self._read(op)

    async def add_agent(self, agent: AgentRecord) -> None:
        a = agent

        async def op(conn: Conn) -> None:
            if await exists(conn, _AGENT, a.username):
                raise StoreRefused(f"agent {a.username!r} already exists")
            if len(set(a.queues)) != len(a.queues):
                raise StoreRefused(f"agent {a.username!r} lists a queue twice: {list(a.queues)}")
            known = {r["name"] for r in await rows(conn, "SELECT name FROM queues WHERE name = ANY (%s)",
                                                   list(a.queues))}
            if unknown := [q for q in a.queues if q not in known]:
                raise StoreRefused(f"agent {a.username!r}: unknown queue(s) {unknown}")
            supervises = await _checked_role(conn, a.username, a.role, a.supervises)
            await run(conn, "INSERT INTO agents (username, display_name, region, lob, password_hash, capacity,"
                            " created_at, phone, email, role) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                      a.username, a.display_name, a.region, a.lob, a.password_hash, a.capacity, a.created_at,
                      a.phone, a.email, StaffRole(a.role).value)
            await run(conn, "INSERT INTO agent_queues (username, queue, position)"
                            " SELECT %s, q, p - 1 FROM unnest(%s::text[]) WITH ORDINALITY AS t(q, p)",
                      a.username, list(a.queues))
            await _insert_supervises(conn, a.username, supervises)

        await self._write(op)

    async def get_agent(self, username: str) -> AgentRecord | None:
        async def op(conn: Conn) -> AgentRecord | None:
            row = await one(conn, "SELECT * FROM agents WHERE username = %s", username)
            if row is None:
                return None
            supervises = (await _agent_queues(conn, username, "agent_supervises")).get(username, ())
            return agent_record(row, tuple((await _agent_queues(conn, username)).get(username, ())), tuple(supervises))

        return await self._read(op, snapshot=True)

    async def list_agents(self) -> list[AgentRecord]:
        async def op(conn: Conn) -> list[AgentRecord]:
            queues = await _agent_queues(conn, None)
            supervises = await _agent_queues(conn, None, "agent_supervises")
            found = await rows(conn, "SELECT * FROM agents ORDER BY username")
            return [agent_record(r, tuple(queues.get(r["username"], ())), tuple(supervises.get(r["username"], ())))
                    for r in found]

        return await self._read(op, snapshot=True)

    async def set_role(self, username: str, role: StaffRole, supervises: Sequence[str] = ()) -> None:
        async def op(conn: Conn) -> None:
            await _known(conn, _AGENT, username, "agent")
            queues = await _checked_role(conn, username, role, supervises)
            await run(conn, "UPDATE agents SET role = %s WHERE username = %s", StaffRole(role).value, username)
            await run(conn, "DELETE FROM agent_supervises WHERE username = %s", username)
            await _insert_supervises(conn, username, queues)

        await self._write(op)

    async def set_password(self, username: str, password_hash: str) -> None:
        async def op(conn: Conn) -> None:
            if await run(conn, "UPDATE agents SET password_hash = %s WHERE username = %s", password_hash,
                         username) == 0:
                raise StoreRefused(f"unknown agent {username!r}")

        await self._write(op)

    async def save_agent_state(self, username: str, on_duty: bool, presence: Presence, at: float) -> None:
        async def op(conn: Conn) -> None:
            await _known(conn, _AGENT, username, "agent")
            await run(conn, "INSERT INTO agent_state (username, on_duty, presence, changed_at) VALUES (%s, %s, %s, %s)"
                            " ON CONFLICT (username) DO UPDATE SET on_duty = excluded.on_duty,"
                            " presence = excluded.presence, changed_at = excluded.changed_at",
                      username, on_duty, Presence(presence).value, at)

        await self._write(op)

    async def agent_states(self) -> dict[str, AgentState]:
        async def op(conn: Conn) -> dict[str, AgentState]:
            found = await rows(conn, "SELECT username, on_duty, presence, changed_at FROM agent_state"
                                     " ORDER BY username")
            return {r["username"]: AgentState(r["username"], r["on_duty"], Presence(r["presence"]), r["changed_at"])
                    for r in found}

        return await self._read(op)

    async def add_site(self, site: SiteRecord) -> None:
        async def op(conn: Conn) -> None:
            if await exists(conn, "SELECT 1 FROM sites WHERE name = %s", site.name):
                raise StoreRefused(f"site {site.name!r} already exists")
            await run(conn, "INSERT INTO sites (name, secret) VALUES (%s, %s)", site.name, site.secret)

        await self._write(op)

    async def get_site(self, name: str) -> SiteRecord | None:
        async def op(conn: Conn) -> SiteRecord | None:
            row = await one(conn, "SELECT name, secret FROM sites WHERE name = %s", name)
            return None if row is None else SiteRecord(name=row["name"], secret=row["secret"])

        return await self._read(op)

    async def add_session(self, session: SessionRecord) -> None:
        s = session

        async def op(conn: Conn) -> None:
            if not await exists(conn, _AGENT, s.username):
                raise StoreRefused(f"session for unknown agent {s.username!r}")
            await run(conn, "INSERT INTO sessions (token_hash, username, expires_at) VALUES (%s, %s, %s)",
                      s.token_hash, s.username, s.expires_at)

        await self._write(op)

    async def get_session(self, token_hash: str) -> SessionRecord | None:
        async def op(conn: Conn) -> SessionRecord | None:
            row = await one(conn, "SELECT token_hash, username, expires_at FROM sessions WHERE token_hash = %s",
                            token_hash)
            return None if row is None else SessionRecord(row["token_hash"], row["username"], row["expires_at"])

        return await self._read(op)

    async def delete_session(self, token_hash: str) -> None:
        async def op(conn: Conn) -> None:
            await run(conn, "DELETE FROM sessions WHERE token_hash = %s", token_hash)

        await self._write(op)

    async def set_canned(self, item: CannedMessage) -> None:
        async def op(conn: Conn) -> None:
            await _known(conn, _QUEUE, item.queue, "queue")
            await run(conn, "INSERT INTO canned (queue, shortcut, text) VALUES (%s, %s, %s)"
                            " ON CONFLICT (queue, shortcut) DO UPDATE SET text = excluded.text",
                      item.queue, item.shortcut, item.text)

        await self._write(op)

    async def remove_canned(self, queue: str, shortcut: str) -> bool:
        async def op(conn: Conn) -> bool:
            return await run(conn, "DELETE FROM canned WHERE queue = %s AND shortcut = %s", queue, shortcut) > 0

        removed: bool = await self._write(op)
        return removed

    async def list_canned(self, queues: Sequence[str]) -> list[CannedMessage]:
        async def op(conn: Conn) -> list[CannedMessage]:
            found = await rows(conn, "SELECT queue, shortcut, text FROM canned WHERE queue = ANY (%s)"
                                     " ORDER BY queue, shortcut", list(queues))
            return [CannedMessage(queue=r["queue"], shortcut=r["shortcut"], text=r["text"]) for r in found]

        return await self._read(op)

    async def add_callback(self, callback: CallbackInfo, site: str | None) -> int:
        c = callback

        async def op(conn: Conn) -> int:
            await _known(conn, _QUEUE, c.queue, "queue")
            if c.phone is None and c.email is None:
                raise StoreRefused("a callback needs a phone number or an e-mail address")
            row = await one(
                conn, "INSERT INTO callbacks (queue, name, phone, email, text, request_type, context, chat_id,"
                      " requestor_id, site, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                      " RETURNING id",
                c.queue, c.name, c.phone, c.email, c.text, c.request_type.value, context_json(c.context), c.chat_id,
                c.verified_id, site, c.created_at,
            )
            assert row is not None
            return int(row["id"])

        number: int = await self._write(op)
        return number

    async def list_callbacks(self, queues: Sequence[str], limit: int = 50, done: bool = False) -> list[CallbackInfo]:
        async def op(conn: Conn) -> list[CallbackInfo]:
            found = await rows(conn, f"SELECT {CALLBACK_COLUMNS} FROM callbacks WHERE queue = ANY (%s)"
                                     " AND (%s OR done_at IS NULL) ORDER BY id DESC LIMIT %s",
                               list(queues), done, limit)
            return [callback_info(r) for r in found]

        return await self._read(op)

    async def get_callback(self, callback_id: int) -> CallbackInfo | None:
        async def op(conn: Conn) -> CallbackInfo | None:
            row = await one(conn, f"SELECT {CALLBACK_COLUMNS} FROM callbacks WHERE id = %s", callback_id)
            return callback_info(row) if row is not None else None

        return await self._read(op)

    async def change_callback(self, callback_id: int,
                              change: Callable[[CallbackInfo], CallbackInfo]) -> CallbackInfo | None:
        async def op(conn: Conn) -> CallbackInfo | None:
            row = await one(conn, f"SELECT {CALLBACK_COLUMNS} FROM callbacks WHERE id = %s FOR UPDATE", callback_id)
            if row is None:
                return None
            c = change(callback_info(row))
            await run(conn, "UPDATE callbacks SET claimed_by = %s, claimed_at = %s, claimed_until = %s, done_by = %s,"
                            " done_at = %s, outcome = %s, note = %s WHERE id = %s",
                      c.claimed_by, c.claimed_at, c.claimed_until, c.done_by, c.done_at,
                      c.outcome.value if c.outcome else None, c.note, c.callback_id)
            return c

        changed: CallbackInfo | None = await self._write(op)
        return changed

    async def release_lapsed_callbacks(self, now: float) -> list[CallbackInfo]:
        async def op(conn: Conn) -> list[CallbackInfo]:
            found = await rows(conn, f"SELECT {CALLBACK_COLUMNS} FROM callbacks WHERE done_at IS NULL"
                                     " AND claimed_by IS NOT NULL AND claimed_until <= %s ORDER BY id FOR UPDATE", now)
            await run(conn, "UPDATE callbacks SET claimed_by = NULL, claimed_at = NULL, claimed_until = NULL"
                            " WHERE id = ANY (%s)", [r["id"] for r in found])
            return [rules.released(callback_info(r)) for r in found]

        released: list[CallbackInfo] = await self._write(op)
        return released

    async def count_callbacks(self, now: float) -> dict[str, int]:
        async def op(conn: Conn) -> dict[str, int]:
            found = await rows(conn, "SELECT queue, count(*) AS n FROM callbacks WHERE done_at IS NULL"
                                     " AND (claimed_by IS NULL OR claimed_until <= %s) GROUP BY queue", now)
            return {r["queue"]: int(r["n"]) for r in found}

        return await self._read(op)
