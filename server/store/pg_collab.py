"""Agents working together on the PostgreSQL store: handover discussions, contacts, instant messages.

Discussion messages and instant messages are numbered like chat messages: under the lock of one
row (the discussion, or the pair's row in ``im_pairs``), so several writers never reuse a number.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from onduty.server.store.errors import SeqOutOfRange, StoreRefused
from onduty.server.store.pg_batch import Conn, Write
from onduty.server.store.pg_query import exists, one, rows, run, scalar
from onduty.server.store.records import ImRecord
from onduty.server.store.sql_collab import im_record
from onduty.shared.types import BusinessContext, DiscussionState

T = TypeVar("T")

IM_COLUMNS = "a, b, seq, sender, sender_name, text, context, at, client_msg_id"


def _pair(x: str, y: str) -> tuple[str, str]:
    return (x, y) if x < y else (y, x)


async def _im_last_seq(conn: Conn, x: str, y: str) -> int:
    a, b = _pair(x, y)
    return int(await scalar(conn, "SELECT coalesce(max(seq), 0) FROM im_messages WHERE a = %s AND b = %s", a, b))


class CollabMixin:
    """The collaboration part of the PostgreSQL store; methods use the store's ``_read`` / ``_write``."""

    if TYPE_CHECKING:  # provided by PostgresStore
        async def _read(self, op: Callable[[Conn], Awaitable[T]], *, snapshot: bool = False) -> T: ...
        async def _write(self, op: Write) -> Any: ...

    # ---- discussions --------------------------------------------------------------------

    async def save_discussion(self, discussion_id: str, chat_id: str, sender: str, receiver: str | None,
                              queue: str | None, state: DiscussionState, at: float) -> None:
        async def op(conn: Conn) -> None:
            await run(conn, "INSERT INTO discussions (discussion_id, chat_id, sender, receiver, queue, state,"
                            " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                            " ON CONFLICT (discussion_id) DO UPDATE SET state = excluded.state,"
                            " updated_at = excluded.updated_at",
                      discussion_id, chat_id, sender, receiver, queue, state.value, at, at)

        await self._write(op)

    async def add_discussion_message(self, discussion_id: str, sender: str, sender_name: str, text: str,
                                     at: float, client_msg_id: str) -> tuple[int, float, bool]:
        async def op(conn: Conn) -> tuple[int, float, bool]:
            last = await scalar(conn, "SELECT last_seq FROM discussions WHERE discussion_id = %s FOR UPDATE",
                                discussion_id)
            if last is None:
                raise StoreRefused(f"unknown discussion {discussion_id!r}")
            row = await one(conn, "SELECT seq, at FROM discussion_messages WHERE discussion_id = %s AND sender = %s"
                                  " AND client_msg_id = %s", discussion_id, sender, client_msg_id)
            if row is not None:
                return int(row["seq"]), float(row["at"]), False
            seq = int(last) + 1
            await run(conn, "INSERT INTO discussion_messages (discussion_id, seq, sender, sender_name, text, at,"
                            " client_msg_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                      discussion_id, seq, sender, sender_name, text, at, client_msg_id)
            await run(conn, "UPDATE discussions SET last_seq = %s WHERE discussion_id = %s", seq, discussion_id)
            return seq, at, True

        result: tuple[int, float, bool] = await self._write(op)
        return result

    # ---- contacts -------------------------------------------------------------------------

    async def add_contact(self, owner: str, contact: str, at: float) -> None:
        async def op(conn: Conn) -> None:
            for name in (owner, contact):
                if not await exists(conn, "SELECT 1 FROM agents WHERE username = %s", name):
                    raise StoreRefused(f"unknown agent {name!r}")
            await run(conn, "INSERT INTO contacts (owner, contact, since) VALUES (%s, %s, %s), (%s, %s, %s)"
                            " ON CONFLICT DO NOTHING", owner, contact, at, contact, owner, at)

        await self._write(op)

    async def remove_contact(self, owner: str, contact: str) -> bool:
        async def op(conn: Conn) -> bool:
            return await run(conn, "DELETE FROM contacts WHERE (owner = %s AND contact = %s)"
                                   " OR (owner = %s AND contact = %s)", owner, contact, contact, owner) > 0

        removed: bool = await self._write(op)
        return removed

    async def contacts_of(self, owner: str) -> list[str]:
        async def op(conn: Conn) -> list[str]:
            found = await rows(conn, "SELECT contact FROM contacts WHERE owner = %s ORDER BY contact", owner)
            return [r["contact"] for r in found]

        return await self._read(op)

    # ---- instant messages -------------------------------------------------------------------

    async def add_im(self, sender: str, sender_name: str, peer: str, text: str, at: float, client_msg_id: str,
                     context: BusinessContext | None) -> tuple[ImRecord, bool]:
        a, b = _pair(sender, peer)
        ctx = None if context is None else json.dumps(
            {"kind": context.kind, "id": context.id, "title": context.title, "fields": context.fields})

        async def op(conn: Conn) -> tuple[ImRecord, bool]:
            await run(conn, "INSERT INTO im_pairs (a, b) VALUES (%s, %s) ON CONFLICT DO NOTHING", a, b)
            last = int(await scalar(conn, "SELECT last_seq FROM im_pairs WHERE a = %s AND b = %s FOR UPDATE", a, b))
            row = await one(conn, f"SELECT {IM_COLUMNS} FROM im_messages WHERE a = %s AND b = %s AND sender = %s"
                                  " AND client_msg_id = %s", a, b, sender, client_msg_id)
            if row is not None:
                return im_record(row), False
            await run(conn, f"INSERT INTO im_messages ({IM_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                      a, b, last + 1, sender, sender_name, text, ctx, at, client_msg_id)
            await run(conn, "UPDATE im_pairs SET last_seq = %s WHERE a = %s AND b = %s", last + 1, a, b)
            return ImRecord(a, b, last + 1, sender, sender_name, text, at, client_msg_id, context), True

        result: tuple[ImRecord, bool] = await self._write(op)
        return result

    async def im_history(self, x: str, y: str, after_seq: int, limit: int = 100) -> list[ImRecord]:
        a, b = _pair(x, y)

        async def op(conn: Conn) -> list[ImRecord]:
            found = await rows(conn, f"SELECT {IM_COLUMNS} FROM im_messages WHERE a = %s AND b = %s AND seq > %s"
                                     " ORDER BY seq LIMIT %s", a, b, after_seq, limit)
            return [im_record(r) for r in found]

        return await self._read(op)

    async def im_last_seq(self, x: str, y: str) -> int:
        return await self._read(lambda conn: _im_last_seq(conn, x, y))

    async def im_ack(self, owner: str, peer: str, seq: int) -> None:
        async def op(conn: Conn) -> None:
            last = await _im_last_seq(conn, owner, peer)
            if not 0 <= seq <= last:
                raise SeqOutOfRange(f"IM {owner}/{peer}", seq, last)
            await run(conn, "INSERT INTO im_cursors (owner, peer, acked_seq) VALUES (%s, %s, %s)"
                            " ON CONFLICT (owner, peer) DO UPDATE"
                            " SET acked_seq = GREATEST(im_cursors.acked_seq, excluded.acked_seq)", owner, peer, seq)

        await self._write(op)

    async def im_unread(self, owner: str, limit: int = 1000) -> list[ImRecord]:
        async def op(conn: Conn) -> list[ImRecord]:
            columns = ", ".join("m." + c.strip() for c in IM_COLUMNS.split(","))
            found = await rows(
                conn, f"SELECT {columns} FROM im_messages m"
                      " LEFT JOIN im_cursors c ON c.owner = %(me)s AND c.peer = m.sender"
                      " WHERE (m.a = %(me)s OR m.b = %(me)s) AND m.sender != %(me)s"
                      " AND m.seq > coalesce(c.acked_seq, 0) ORDER BY m.a, m.b, m.seq LIMIT %(limit)s",
                {"me": owner, "limit": limit},
            )
            return [im_record(r) for r in found]

        return await self._read(op)

    async def chat_shared_with(self, viewer: str, chat_id: str) -> bool:
        return await self._read(lambda conn: exists(
            conn, "SELECT 1 FROM im_messages WHERE (a = %(me)s OR b = %(me)s) AND sender != %(me)s"
                  " AND context IS NOT NULL AND context::jsonb ->> 'kind' = 'chat'"
                  " AND context::jsonb ->> 'id' = %(chat)s LIMIT 1", {"me": viewer, "chat": chat_id}))

    async def open_channel(self, owner: str, peer: str, at: float) -> None:
        async def op(conn: Conn) -> None:
            await run(conn, "INSERT INTO im_channels (owner, peer, opened_at) VALUES (%s, %s, %s)"
                            " ON CONFLICT DO NOTHING", owner, peer, at)

        await self._write(op)

    async def close_channel(self, owner: str, peer: str) -> None:
        async def op(conn: Conn) -> None:
            await run(conn, "DELETE FROM im_channels WHERE owner = %s AND peer = %s", owner, peer)

        await self._write(op)

    async def open_channels(self, owner: str) -> list[str]:
        async def op(conn: Conn) -> list[str]:
            found = await rows(conn, "SELECT peer FROM im_channels WHERE owner = %s ORDER BY opened_at, peer", owner)
            return [r["peer"] for r in found]

        return await self._read(op)
