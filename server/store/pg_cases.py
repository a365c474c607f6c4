"""Case records on the PostgreSQL store (issue 6): mixed into :class:`~onduty.server.store.pg.PostgresStore`.

A change to a case locks the case row (``FOR UPDATE``), applies the pure rule of
:mod:`onduty.server.core.cases` and writes the result in the same transaction, so two agents (or two
server processes) changing one case at once lose neither change. Rows read back into records through
SQLite's converters (:mod:`onduty.server.store.sql_cases`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from onduty.server.core import cases as rules
from onduty.server.core.cases import (
    Case,
    CaseHead,
    CaseMemo,
    CaseState,
    Change,
    Direction,
    ExternalInfo,
    InfoKind,
    Interaction,
    InteractionType,
    Priority,
    SendMode,
    SlaEvent,
)
from onduty.server.core.sla import BusinessHours, ClockKind, Target, Timeline, Unit, default_hours
from onduty.server.store.base_cases import Targets
from onduty.server.store.errors import StoreRefused
from onduty.server.store.pg_batch import Conn, Write
from onduty.server.store.pg_chats import FILE_COLUMNS, file_record, get_chat, memos, messages_after
from onduty.server.store.pg_directory import CALLBACK_COLUMNS, callback_info
from onduty.server.store.pg_query import exists, one, rows, run
from onduty.server.store.records import CaseDetail, LinkedChat, NewCase, Rule
from onduty.server.store.sql_cases import case_record, info_record
from onduty.shared.types import CallbackInfo

T = TypeVar("T")

CASE_COLUMNS = (
    "id, title, description, queue, priority, state, owner, requestor_name, requestor_email, requestor_phone,"
    " requestor_id, site, callback_id, created_at, created_by, updated_at, first_response_at"
)


async def _get(conn: Conn, number: int, *, lock: bool = False) -> Case | None:
    sql = f"SELECT {CASE_COLUMNS} FROM cases WHERE id = %s" + (" FOR UPDATE" if lock else "")
    row = await one(conn, sql, number)
    return None if row is None else case_record(row)


async def _must(conn: Conn, number: int, *, lock: bool = False) -> Case:
    case = await _get(conn, number, lock=lock)
    if case is None:
        raise StoreRefused(f"unknown case {number}")
    return case


async def _history(conn: Conn, number: int, changes: Sequence[Change]) -> None:
    for c in changes:
        await run(conn, "INSERT INTO case_history (case_id, at, actor, what, old, new) VALUES (%s, %s, %s, %s, %s, %s)",
                  number, c.at, c.actor, c.what, c.old, c.new)


async def _change(conn: Conn, number: int, rule: Rule, at: float) -> tuple[Case, list[Change]]:
    case = await _must(conn, number, lock=True)
    head, changes = rule(case.head)
    if changes:
        await run(conn, "UPDATE cases SET state = %s, priority = %s, owner = %s, updated_at = %s WHERE id = %s",
                  head.state.value, head.priority.value, head.owner, at, number)
        await _history(conn, number, changes)
    return await _must(conn, number), changes


async def _link(conn: Conn, number: int, chat_id: str, actor: str, at: float) -> None:
    if not await exists(conn, "SELECT 1 FROM chats WHERE chat_id = %s", chat_id):
        raise StoreRefused(f"unknown chat {chat_id!r}")
    if (other := await _case_of_chat(conn, chat_id)) is not None:
        raise StoreRefused(f"chat {chat_id} is already part of case {other}")
    await run(conn, "INSERT INTO case_chats (chat_id, case_id, linked_at, linked_by) VALUES (%s, %s, %s, %s)",
              chat_id, number, at, actor)
    await run(conn, "UPDATE cases SET updated_at = %s WHERE id = %s", at, number)
    await _history(conn, number, [Change(at, actor, "chat_linked", "", chat_id)])


async def _case_of_chat(conn: Conn, chat_id: str) -> int | None:
    row = await one(conn, "SELECT case_id FROM case_chats WHERE chat_id = %s", chat_id)
    return None if row is None else int(row["case_id"])


async def _timeline(conn: Conn, case: Case) -> Timeline:
    found = await rows(conn, "SELECT at, new FROM case_history WHERE case_id = %s AND what IN ('created', 'state')"
                             " ORDER BY id", case.number)
    return Timeline(case.created_at, tuple((r["at"], CaseState(r["new"])) for r in found), case.first_response_at)


async def _with_timelines(conn: Conn, found: list[Any]) -> list[tuple[Case, Timeline]]:
    cases = [case_record(r) for r in found]
    return [(c, await _timeline(conn, c)) for c in cases]


async def _insert_info(conn: Conn, number: int, kind: InfoKind, author: str, author_name: str, text: str,
                       at: float) -> ExternalInfo:
    row = await one(conn, "INSERT INTO external_infos (case_id, kind, author, author_name, text, at)"
                          " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                    number, kind.value, author, author_name, text, at)
    assert row is not None
    return ExternalInfo(int(row["id"]), kind, author, author_name, text, at)


async def _hours(conn: Conn, region: str) -> BusinessHours:
    holidays = frozenset(day for day, _ in await _holidays(conn, region))
    row = await one(conn, "SELECT tz, weekly, always FROM sla_hours WHERE region = %s", region)
    if row is None:
        base = default_hours(region)
        return BusinessHours(base.tz, base.weekly, holidays, base.always)
    weekly = tuple(tuple((int(s), int(e)) for s, e in day) for day in json.loads(row["weekly"]))
    return BusinessHours(row["tz"], weekly, holidays, bool(row["always"]))


async def _holidays(conn: Conn, region: str) -> list[tuple[date, str]]:
    found = await rows(conn, "SELECT day, name FROM sla_holidays WHERE region = %s ORDER BY day", region)
    return [(date.fromisoformat(r["day"]), r["name"]) for r in found]


async def _targets(conn: Conn, queue: str) -> Targets:
    out: Targets = {}
    for r in await rows(conn, "SELECT clock, priority, amount, unit FROM sla_targets WHERE queue IN ('*', %s)"
                              " ORDER BY queue = '*' DESC", queue):
        out[(ClockKind(r["clock"]), Priority(r["priority"]))] = Target(r["amount"], Unit(r["unit"]))
    return out


async def _detail(conn: Conn, number: int) -> CaseDetail | None:
    case = await _get(conn, number)
    if case is None:
        return None
    chats = []
    for r in await rows(conn, "SELECT chat_id, linked_at, linked_by FROM case_chats WHERE case_id = %s"
                              " ORDER BY linked_at, chat_id", number):
        record = await get_chat(conn, r["chat_id"])
        assert record is not None  # a foreign key
        files = [file_record(f) for f in await rows(
            conn, f"SELECT {FILE_COLUMNS} FROM files WHERE chat_id = %s ORDER BY at, file_id", record.chat_id)]
        chats.append(LinkedChat(record, await messages_after(conn, record.chat_id, 0, 1_000_000),
                                await memos(conn, record.chat_id), files, r["linked_at"], r["linked_by"]))
    history = [Change(r["at"], r["actor"], r["what"], r["old"], r["new"]) for r in await rows(
        conn, "SELECT at, actor, what, old, new FROM case_history WHERE case_id = %s ORDER BY id", number)]
    case_memos = [CaseMemo(r["id"], r["author"], r["text"], r["at"]) for r in await rows(
        conn, "SELECT id, author, text, at FROM case_memos WHERE case_id = %s ORDER BY id", number)]
    infos = [info_record(r) for r in await rows(
        conn, "SELECT * FROM external_infos WHERE case_id = %s ORDER BY id", number)]
    interactions = [Interaction(r["id"], InteractionType(r["type"]), Direction(r["direction"]), r["contact"],
                                r["summary"], r["started_at"], r["ended_at"], r["author"], r["at"])
                    for r in await rows(conn, "SELECT * FROM interactions WHERE case_id = %s ORDER BY id", number)]
    events = [SlaEvent(r["clock"], r["kind"], r["at"], r["recorded_at"]) for r in await rows(
        conn, "SELECT clock, kind, at, recorded_at FROM sla_events WHERE case_id = %s ORDER BY at, clock", number)]
    return CaseDetail(case, chats, infos, interactions, case_memos, history, events, await _timeline(conn, case))


class CasesMixin:
    """The cases part of the PostgreSQL store; methods use the store's ``_read`` / ``_write``."""

    if TYPE_CHECKING:  # provided by PostgresStore
        async def _read(self, op: Callable[[Conn], Awaitable[T]], *, snapshot: bool = False) -> T: ...
        async def _write(self, op: Write) -> Any: ...

    # ---- cases ---------------------------------------------------------------------------

    async def create_case(self, new: NewCase, token_hash: str) -> Case:
        n = new

        async def op(conn: Conn) -> Case:
            if not await exists(conn, "SELECT 1 FROM queues WHERE name = %s", n.queue):
                raise StoreRefused(f"unknown queue {n.queue!r}")
            head = CaseHead(CaseState.NEW, n.priority, None, n.queue)
            r = n.requestor
            row = await one(
                conn, "INSERT INTO cases (title, description, queue, priority, state, requestor_name,"
                      " requestor_email, requestor_phone, requestor_id, site, callback_id, created_at, created_by,"
                      " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                n.title, n.description, n.queue, n.priority.value, CaseState.NEW.value, r.name, r.email, r.phone,
                r.verified_id, n.site, n.callback_id, n.at, n.created_by, n.at,
            )
            assert row is not None
            number = int(row["id"])
            await _history(conn, number, rules.created(head, n.created_by, n.at, n.source))
            await run(conn, "INSERT INTO case_tokens (token_hash, case_id, created_at) VALUES (%s, %s, %s)",
                      token_hash, number, n.at)
            if n.chat_id is not None:
                await _link(conn, number, n.chat_id, n.created_by, n.at)
            return await _must(conn, number)

        case: Case = await self._write(op)
        return case

    async def get_case(self, number: int) -> Case | None:
        return await self._read(lambda conn: _get(conn, number))

    async def case_detail(self, number: int) -> CaseDetail | None:
        return await self._read(lambda conn: _detail(conn, number), snapshot=True)

    async def change_case(self, number: int, rule: Rule, at: float) -> tuple[Case, list[Change]]:
        result: tuple[Case, list[Change]] = await self._write(lambda conn: _change(conn, number, rule, at))
        return result

    async def link_chat(self, number: int, chat_id: str, actor: str, at: float) -> None:
        await self._write(lambda conn: _link(conn, number, chat_id, actor, at))

    async def case_of_chat(self, chat_id: str) -> int | None:
        return await self._read(lambda conn: _case_of_chat(conn, chat_id))

    async def add_case_token(self, number: int, token_hash: str, at: float) -> None:
        async def op(conn: Conn) -> None:
            await _must(conn, number)
            await run(conn, "INSERT INTO case_tokens (token_hash, case_id, created_at) VALUES (%s, %s, %s)",
                      token_hash, number, at)

        await self._write(op)

    async def case_by_token(self, token_hash: str) -> int | None:
        async def op(conn: Conn) -> int | None:
            row = await one(conn, "SELECT case_id FROM case_tokens WHERE token_hash = %s", token_hash)
            return None if row is None else int(row["case_id"])

        return await self._read(op)

    async def list_cases(self, queues: Sequence[str], owner: str | None, states: Sequence[CaseState],
                         limit: int = 100, before: int | None = None) -> list[tuple[Case, Timeline]]:
        if not queues or limit <= 0:
            return []
        where = ["queue = ANY (%s)"]
        args: list[object] = [list(queues)]
        if before is not None:
            where.append("id < %s")
            args.append(before)
        if owner is not None:
            where.append("owner = %s")
            args.append(owner)
        if states:
            where.append("state = ANY (%s)")
            args.append([s.value for s in states])
        sql = f"SELECT {CASE_COLUMNS} FROM cases WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT %s"

        async def op(conn: Conn) -> list[tuple[Case, Timeline]]:
            return await _with_timelines(conn, await rows(conn, sql, *args, limit))

        return await self._read(op, snapshot=True)

    async def open_cases(self, after: int = 0, limit: int = 500) -> list[tuple[Case, Timeline]]:
        async def op(conn: Conn) -> list[tuple[Case, Timeline]]:
            found = await rows(conn, f"SELECT {CASE_COLUMNS} FROM cases WHERE state != 'closed' AND id > %s"
                                     " ORDER BY id LIMIT %s", after, max(1, limit))
            return await _with_timelines(conn, found)

        return await self._read(op, snapshot=True)

    # ---- communication ---------------------------------------------------------------------

    async def add_external_info(self, number: int, mode: SendMode, author: str, author_name: str, text: str,
                                at: float) -> tuple[Case, ExternalInfo]:
        async def op(conn: Conn) -> tuple[Case, ExternalInfo]:
            await _change(conn, number, lambda head: rules.external_info(head, mode, author, at), at)
            info = await _insert_info(conn, number, InfoKind(mode.value), author, author_name, text, at)
            await run(conn, "UPDATE cases SET first_response_at = coalesce(first_response_at, %s) WHERE id = %s",
                      at, number)
            return await _must(conn, number), info

        result: tuple[Case, ExternalInfo] = await self._write(op)
        return result

    async def set_info_mail(self, info_id: int, mail: str) -> None:
        async def op(conn: Conn) -> None:
            await run(conn, "UPDATE external_infos SET mail = %s WHERE id = %s", mail, info_id)

        await self._write(op)

    async def customer_answer(self, number: int, text: str, at: float) -> tuple[Case, ExternalInfo]:
        async def op(conn: Conn) -> tuple[Case, ExternalInfo]:
            case, _ = await _change(conn, number, lambda head: rules.customer_answered(head, at), at)
            info = await _insert_info(conn, number, InfoKind.ANSWER, rules.CUSTOMER, case.requestor.name, text, at)
            return case, info

        result: tuple[Case, ExternalInfo] = await self._write(op)
        return result

    async def add_interaction(self, number: int, interaction: Interaction) -> Interaction:
        i = interaction

        async def op(conn: Conn) -> Interaction:
            case = await _must(conn, number, lock=True)
            if case.head.state is CaseState.CLOSED:
                raise rules.CaseRuleError("a closed case cannot be changed")
            row = await one(
                conn, "INSERT INTO interactions (case_id, type, direction, contact, summary, started_at, ended_at,"
                      " author, at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                number, i.type.value, i.direction.value, i.contact, i.summary, i.started_at, i.ended_at, i.author,
                i.at,
            )
            assert row is not None
            what = f"{i.type.value} {i.direction.value}"
            await _history(conn, number, [Change(i.at, i.author, "interaction", "", what)])
            await run(conn, "UPDATE cases SET updated_at = %s WHERE id = %s", i.at, number)
            return Interaction(int(row["id"]), i.type, i.direction, i.contact, i.summary, i.started_at, i.ended_at,
                               i.author, i.at)

        result: Interaction = await self._write(op)
        return result

    async def add_case_memo(self, number: int, author: str, text: str, at: float) -> CaseMemo:
        async def op(conn: Conn) -> CaseMemo:
            await _must(conn, number)
            row = await one(conn, "INSERT INTO case_memos (case_id, author, text, at) VALUES (%s, %s, %s, %s)"
                                  " RETURNING id", number, author, text, at)
            assert row is not None
            await _history(conn, number, [Change(at, author, "memo", "", "")])
            return CaseMemo(int(row["id"]), author, text, at)

        result: CaseMemo = await self._write(op)
        return result

    # ---- SLA ---------------------------------------------------------------------------------

    async def record_sla_event(self, number: int, clock: ClockKind, kind: str, at: float,
                               recorded_at: float) -> bool:
        async def op(conn: Conn) -> bool:
            return await run(conn, "INSERT INTO sla_events (case_id, clock, kind, at, recorded_at)"
                                   " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                             number, clock.value, kind, at, recorded_at) > 0

        recorded: bool = await self._write(op)
        return recorded

    async def sla_settings(self, queue: str) -> tuple[BusinessHours, Targets]:
        async def op(conn: Conn) -> tuple[BusinessHours, Targets]:
            row = await one(conn, "SELECT region FROM queues WHERE name = %s", queue)
            return await _hours(conn, "" if row is None else str(row["region"])), await _targets(conn, queue)

        return await self._read(op, snapshot=True)

    async def set_hours(self, region: str, hours: BusinessHours) -> None:
        weekly = json.dumps([list(map(list, d)) for d in hours.weekly])

        async def op(conn: Conn) -> None:
            await run(conn, "INSERT INTO sla_hours (region, tz, weekly, always) VALUES (%s, %s, %s, %s)"
                            " ON CONFLICT (region) DO UPDATE SET tz = excluded.tz, weekly = excluded.weekly,"
                            " always = excluded.always", region, hours.tz, weekly, hours.always)

        await self._write(op)

    async def get_hours(self, region: str) -> BusinessHours:
        return await self._read(lambda conn: _hours(conn, region), snapshot=True)

    async def add_holiday(self, region: str, day: date, name: str) -> None:
        async def op(conn: Conn) -> None:
            await run(conn, "INSERT INTO sla_holidays (region, day, name) VALUES (%s, %s, %s)"
                            " ON CONFLICT (region, day) DO UPDATE SET name = excluded.name",
                      region, day.isoformat(), name)

        await self._write(op)

    async def remove_holiday(self, region: str, day: date) -> bool:
        async def op(conn: Conn) -> bool:
            return await run(conn, "DELETE FROM sla_holidays WHERE region = %s AND day = %s",
                             region, day.isoformat()) > 0

        removed: bool = await self._write(op)
        return removed

    async def list_holidays(self, region: str) -> list[tuple[date, str]]:
        return await self._read(lambda conn: _holidays(conn, region))

    async def set_target(self, queue: str, clock: ClockKind, priority: Priority, target: Target) -> None:
        async def op(conn: Conn) -> None:
            if queue != "*" and not await exists(conn, "SELECT 1 FROM queues WHERE name = %s", queue):
                raise StoreRefused(f"unknown queue {queue!r}")
            await run(conn, "INSERT INTO sla_targets (queue, clock, priority, amount, unit) VALUES (%s, %s, %s, %s, %s)"
                            " ON CONFLICT (queue, clock, priority) DO UPDATE SET amount = excluded.amount,"
                            " unit = excluded.unit", queue, clock.value, priority.value, target.amount,
                      target.unit.value)

        await self._write(op)

    async def targets(self, queue: str) -> Targets:
        return await self._read(lambda conn: _targets(conn, queue))

    # ---- callbacks ---------------------------------------------------------------------------

    async def callbacks_without_case(self) -> list[tuple[int, CallbackInfo]]:
        async def op(conn: Conn) -> list[tuple[int, CallbackInfo]]:
            found = await rows(conn, f"SELECT {CALLBACK_COLUMNS} FROM callbacks WHERE id NOT IN"
                                     " (SELECT callback_id FROM cases WHERE callback_id IS NOT NULL) ORDER BY id")
            return [(int(r["id"]), callback_info(r)) for r in found]

        return await self._read(op)

    async def callback_site(self, callback_id: int) -> str | None:
        async def op(conn: Conn) -> str | None:
            row = await one(conn, "SELECT site FROM callbacks WHERE id = %s", callback_id)
            return None if row is None else row["site"]

        return await self._read(op)
