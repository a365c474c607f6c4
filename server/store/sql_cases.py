"""SQL for case records (migration 3): plain functions of one ``sqlite3.Connection``.

Same rules as :mod:`onduty.server.store.sql`: they run on the store's database thread, writes
inside the caller's transaction. A change to a case reads the case, applies the pure rule of
:mod:`onduty.server.core.cases` and writes the result in that same transaction, so two agents
changing one case at once cannot lose either change or break a rule.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date

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
    Requestor,
    SendMode,
    SlaEvent,
)
from onduty.server.core.sla import BusinessHours, ClockKind, Target, Timeline, Unit, default_hours
from onduty.server.store import sql
from onduty.server.store.errors import StoreRefused
from onduty.server.store.records import CaseDetail, FileRecord, LinkedChat, NewCase, Rule
from onduty.server.store.sql import Row
from onduty.server.store.sql_chatdata import memos
from onduty.shared.types import CallbackInfo, RequestType

_CASE_COLUMNS = (
    "id, title, description, queue, priority, state, owner, requestor_name, requestor_email, requestor_phone,"
    " requestor_id, site, callback_id, created_at, created_by, updated_at, first_response_at"
)


def case_record(r: Row) -> Case:
    return Case(
        number=r["id"], title=r["title"], description=r["description"],
        head=CaseHead(CaseState(r["state"]), Priority(r["priority"]), r["owner"], r["queue"]),
        requestor=Requestor(r["requestor_name"], r["requestor_email"], r["requestor_phone"], r["requestor_id"]),
        created_at=r["created_at"], created_by=r["created_by"], updated_at=r["updated_at"],
        first_response_at=r["first_response_at"], callback_id=r["callback_id"], site=r["site"],
    )


def get_case(conn: sqlite3.Connection, number: int) -> Case | None:
    row = conn.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE id = ?", (number,)).fetchone()
    return None if row is None else case_record(row)


def _must(conn: sqlite3.Connection, number: int) -> Case:
    case = get_case(conn, number)
    if case is None:
        raise StoreRefused(f"unknown case {number}")
    return case


def _history(conn: sqlite3.Connection, number: int, changes: Sequence[Change]) -> None:
    conn.executemany(
        "INSERT INTO case_history (case_id, at, actor, what, old, new) VALUES (?, ?, ?, ?, ?, ?)",
        [(number, c.at, c.actor, c.what, c.old, c.new) for c in changes],
    )


# ---- cases -----------------------------------------------------------------------------------


def create_case(conn: sqlite3.Connection, n: NewCase, token_hash: str) -> Case:
    """Insert a New case (and link ``n.chat_id``); ``token_hash`` is its first customer link."""
    if not sql.exists(conn, "SELECT 1 FROM queues WHERE name = ?", n.queue):
        raise StoreRefused(f"unknown queue {n.queue!r}")
    head = CaseHead(CaseState.NEW, n.priority, None, n.queue)
    r = n.requestor
    cursor = conn.execute(
        f"INSERT INTO cases ({_CASE_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
        (n.title, n.description, n.queue, n.priority.value, CaseState.NEW.value, r.name, r.email, r.phone,
         r.verified_id, n.site, n.callback_id, n.at, n.created_by, n.at),
    )
    assert cursor.lastrowid is not None
    number = cursor.lastrowid
    _history(conn, number, rules.created(head, n.created_by, n.at, n.source))
    conn.execute("INSERT INTO case_tokens (token_hash, case_id, created_at) VALUES (?, ?, ?)",
                 (token_hash, number, n.at))
    if n.chat_id is not None:
        link_chat(conn, number, n.chat_id, n.created_by, n.at)
    return _must(conn, number)


def change_case(conn: sqlite3.Connection, number: int, rule: Rule, at: float) -> tuple[Case, list[Change]]:
    """Apply ``rule`` to the case as stored now; write the new head and its history."""
    case = _must(conn, number)
    head, changes = rule(case.head)
    if changes:
        conn.execute(
            "UPDATE cases SET state = ?, priority = ?, owner = ?, updated_at = ? WHERE id = ?",
            (head.state.value, head.priority.value, head.owner, at, number),
        )
        _history(conn, number, changes)
    return _must(conn, number), changes


def link_chat(conn: sqlite3.Connection, number: int, chat_id: str, actor: str, at: float) -> None:
    if not sql.exists(conn, "SELECT 1 FROM chats WHERE chat_id = ?", chat_id):
        raise StoreRefused(f"unknown chat {chat_id!r}")
    if (other := case_of_chat(conn, chat_id)) is not None:
        raise StoreRefused(f"chat {chat_id} is already part of case {other}")
    conn.execute("INSERT INTO case_chats (chat_id, case_id, linked_at, linked_by) VALUES (?, ?, ?, ?)",
                 (chat_id, number, at, actor))
    conn.execute("UPDATE cases SET updated_at = ? WHERE id = ?", (at, number))
    _history(conn, number, [Change(at, actor, "chat_linked", "", chat_id)])


def case_of_chat(conn: sqlite3.Connection, chat_id: str) -> int | None:
    row = conn.execute("SELECT case_id FROM case_chats WHERE chat_id = ?", (chat_id,)).fetchone()
    return None if row is None else int(row[0])


def add_token(conn: sqlite3.Connection, number: int, token_hash: str, at: float) -> None:
    _must(conn, number)
    conn.execute("INSERT INTO case_tokens (token_hash, case_id, created_at) VALUES (?, ?, ?)",
                 (token_hash, number, at))


def case_by_token(conn: sqlite3.Connection, token_hash: str) -> int | None:
    row = conn.execute("SELECT case_id FROM case_tokens WHERE token_hash = ?", (token_hash,)).fetchone()
    return None if row is None else int(row[0])


def list_cases(conn: sqlite3.Connection, queues: Sequence[str], owner: str | None,
               states: Sequence[CaseState], limit: int, before: int | None = None) -> list[Case]:
    """Cases of ``queues`` (and of ``owner`` if given) in ``states`` (all if empty), newest first;
    with ``before``, only those older than case number ``before`` (the next page)."""
    if not queues or limit <= 0:
        return []
    where = [f"queue IN ({', '.join('?' * len(queues))})"]
    args: list[object] = list(queues)
    if before is not None:
        where.append("id < ?")
        args.append(before)
    if owner is not None:
        where.append("owner = ?")
        args.append(owner)
    if states:
        where.append(f"state IN ({', '.join('?' * len(states))})")
        args.extend(s.value for s in states)
    rows = conn.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
                        (*args, limit))
    return [case_record(r) for r in rows]


def open_cases(conn: sqlite3.Connection, after: int, limit: int) -> list[Case]:
    """A page of the cases not Closed (what the SLA watch looks at), by number."""
    rows = conn.execute(f"SELECT {_CASE_COLUMNS} FROM cases WHERE state != 'closed' AND id > ? ORDER BY id LIMIT ?",
                        (after, max(1, limit)))
    return [case_record(r) for r in rows]


def timeline(conn: sqlite3.Connection, case: Case) -> Timeline:
    rows = conn.execute(
        "SELECT at, new FROM case_history WHERE case_id = ? AND what IN ('created', 'state') ORDER BY id",
        (case.number,),
    )
    return Timeline(case.created_at, tuple((r["at"], CaseState(r["new"])) for r in rows), case.first_response_at)


def timelines(conn: sqlite3.Connection, cases: Sequence[Case]) -> dict[int, Timeline]:
    return {c.number: timeline(conn, c) for c in cases}


# ---- communication -----------------------------------------------------------------------------


def info_record(r: Row) -> ExternalInfo:
    return ExternalInfo(r["id"], InfoKind(r["kind"]), r["author"], r["author_name"], r["text"], r["at"], r["mail"])


def _insert_info(conn: sqlite3.Connection, number: int, kind: InfoKind, author: str, author_name: str, text: str,
                 at: float) -> ExternalInfo:
    cursor = conn.execute(
        "INSERT INTO external_infos (case_id, kind, author, author_name, text, at) VALUES (?, ?, ?, ?, ?, ?)",
        (number, kind.value, author, author_name, text, at),
    )
    assert cursor.lastrowid is not None
    return ExternalInfo(cursor.lastrowid, kind, author, author_name, text, at)


def add_external_info(conn: sqlite3.Connection, number: int, mode: SendMode, author: str, author_name: str,
                      text: str, at: float) -> tuple[Case, ExternalInfo]:
    """Store an External Info; the first one is the case's first qualified response (stops IRT)."""
    change_case(conn, number, lambda head: rules.external_info(head, mode, author, at), at)
    info = _insert_info(conn, number, InfoKind(mode.value), author, author_name, text, at)
    conn.execute("UPDATE cases SET first_response_at = COALESCE(first_response_at, ?) WHERE id = ?", (at, number))
    return _must(conn, number), info


def set_info_mail(conn: sqlite3.Connection, info_id: int, mail: str) -> None:
    conn.execute("UPDATE external_infos SET mail = ? WHERE id = ?", (mail, info_id))


def customer_answer(conn: sqlite3.Connection, number: int, text: str, at: float) -> tuple[Case, ExternalInfo]:
    """The customer's answer from the case page: stored, and the case is back In Process."""
    case, _ = change_case(conn, number, lambda head: rules.customer_answered(head, at), at)
    info = _insert_info(conn, number, InfoKind.ANSWER, rules.CUSTOMER, case.requestor.name, text, at)
    return case, info


def external_infos(conn: sqlite3.Connection, number: int) -> list[ExternalInfo]:
    rows = conn.execute("SELECT * FROM external_infos WHERE case_id = ? ORDER BY id", (number,))
    return [info_record(r) for r in rows]


def add_interaction(conn: sqlite3.Connection, number: int, i: Interaction) -> Interaction:
    case = _must(conn, number)
    if case.head.state is CaseState.CLOSED:
        raise rules.CaseRuleError("a closed case cannot be changed")
    cursor = conn.execute(
        "INSERT INTO interactions (case_id, type, direction, contact, summary, started_at, ended_at, author, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (number, i.type.value, i.direction.value, i.contact, i.summary, i.started_at, i.ended_at, i.author, i.at),
    )
    assert cursor.lastrowid is not None
    _history(conn, number, [Change(i.at, i.author, "interaction", "", f"{i.type.value} {i.direction.value}")])
    conn.execute("UPDATE cases SET updated_at = ? WHERE id = ?", (i.at, number))
    return Interaction(cursor.lastrowid, i.type, i.direction, i.contact, i.summary, i.started_at, i.ended_at,
                       i.author, i.at)


def interactions(conn: sqlite3.Connection, number: int) -> list[Interaction]:
    rows = conn.execute("SELECT * FROM interactions WHERE case_id = ? ORDER BY id", (number,))
    return [Interaction(r["id"], InteractionType(r["type"]), Direction(r["direction"]), r["contact"], r["summary"],
                        r["started_at"], r["ended_at"], r["author"], r["at"]) for r in rows]


def add_case_memo(conn: sqlite3.Connection, number: int, author: str, text: str, at: float) -> CaseMemo:
    _must(conn, number)
    cursor = conn.execute("INSERT INTO case_memos (case_id, author, text, at) VALUES (?, ?, ?, ?)",
                          (number, author, text, at))
    assert cursor.lastrowid is not None
    _history(conn, number, [Change(at, author, "memo", "", "")])
    return CaseMemo(cursor.lastrowid, author, text, at)


# ---- reading a whole case ------------------------------------------------------------------------


def _files(conn: sqlite3.Connection, chat_id: str) -> list[FileRecord]:
    rows = conn.execute(
        "SELECT file_id, chat_id, name, size, content_type, sha256, uploaded_by, at FROM files"
        " WHERE chat_id = ? ORDER BY at, file_id", (chat_id,),
    )
    return [FileRecord(r["file_id"], r["chat_id"], r["name"], r["size"], r["content_type"], r["sha256"],
                       r["uploaded_by"], r["at"]) for r in rows]


def case_detail(conn: sqlite3.Connection, number: int) -> CaseDetail | None:
    case = get_case(conn, number)
    if case is None:
        return None
    chats = []
    for r in conn.execute("SELECT chat_id, linked_at, linked_by FROM case_chats WHERE case_id = ?"
                          " ORDER BY linked_at, chat_id", (number,)).fetchall():
        record = sql.get_chat(conn, r["chat_id"])
        assert record is not None  # a foreign key
        chats.append(LinkedChat(record, sql.messages_after(conn, record.chat_id, 0, 1_000_000),
                                memos(conn, record.chat_id), _files(conn, record.chat_id), r["linked_at"],
                                r["linked_by"]))
    history = [Change(r["at"], r["actor"], r["what"], r["old"], r["new"])
               for r in conn.execute("SELECT * FROM case_history WHERE case_id = ? ORDER BY id", (number,))]
    case_memos = [CaseMemo(r["id"], r["author"], r["text"], r["at"])
                  for r in conn.execute("SELECT * FROM case_memos WHERE case_id = ? ORDER BY id", (number,))]
    return CaseDetail(case, chats, external_infos(conn, number), interactions(conn, number), case_memos, history,
                      sla_events(conn, number), timeline(conn, case))


# ---- SLA events and settings -----------------------------------------------------------------------


def record_sla_event(conn: sqlite3.Connection, number: int, clock: ClockKind, kind: str, at: float,
                     recorded_at: float) -> bool:
    """Record a warning or breach once; False if it was already recorded."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO sla_events (case_id, clock, kind, at, recorded_at) VALUES (?, ?, ?, ?, ?)",
        (number, clock.value, kind, at, recorded_at),
    )
    return cursor.rowcount > 0


def sla_events(conn: sqlite3.Connection, number: int) -> list[SlaEvent]:
    rows = conn.execute("SELECT clock, kind, at, recorded_at FROM sla_events WHERE case_id = ? ORDER BY at, clock",
                        (number,))
    return [SlaEvent(r["clock"], r["kind"], r["at"], r["recorded_at"]) for r in rows]


def set_hours(conn: sqlite3.Connection, region: str, hours: BusinessHours) -> None:
    conn.execute(
        "INSERT INTO sla_hours (region, tz, weekly, always) VALUES (?, ?, ?, ?) ON CONFLICT (region)"
        " DO UPDATE SET tz = excluded.tz, weekly = excluded.weekly, always = excluded.always",
        (region, hours.tz, json.dumps([list(map(list, d)) for d in hours.weekly]), int(hours.always)),
    )


def get_hours(conn: sqlite3.Connection, region: str) -> BusinessHours:
    """The region's hours (the built-in default if none were set) with its holidays."""
    holidays = frozenset(h for h, _ in list_holidays(conn, region))
    row = conn.execute("SELECT tz, weekly, always FROM sla_hours WHERE region = ?", (region,)).fetchone()
    if row is None:
        base = default_hours(region)
        return BusinessHours(base.tz, base.weekly, holidays, base.always)
    weekly = tuple(tuple((int(s), int(e)) for s, e in day) for day in json.loads(row["weekly"]))
    return BusinessHours(row["tz"], weekly, holidays, bool(row["always"]))


def add_holiday(conn: sqlite3.Connection, region: str, day: date, name: str) -> None:
    conn.execute("INSERT INTO sla_holidays (region, day, name) VALUES (?, ?, ?) ON CONFLICT (region, day)"
                 " DO UPDATE SET name = excluded.name", (region, day.isoformat(), name))


def remove_holiday(conn: sqlite3.Connection, region: str, day: date) -> bool:
    return conn.execute("DELETE FROM sla_holidays WHERE region = ? AND day = ?",
                        (region, day.isoformat())).rowcount > 0


def list_holidays(conn: sqlite3.Connection, region: str) -> list[tuple[date, str]]:
    rows = conn.execute("SELECT day, name FROM sla_holidays WHERE region = ? ORDER BY day", (region,))
    return [(date.fromisoformat(r["day"]), r["name"]) for r in rows]


def set_target(conn: sqlite3.Connection, queue: str, clock: ClockKind, priority: Priority, target: Target) -> None:
    if queue != "*" and not sql.exists(conn, "SELECT 1 FROM queues WHERE name = ?", queue):
        raise StoreRefused(f"unknown queue {queue!r}")
    conn.execute(
        "INSERT INTO sla_targets (queue, clock, priority, amount, unit) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (queue, clock, priority) DO UPDATE SET amount = excluded.amount, unit = excluded.unit",
        (queue, clock.value, priority.value, target.amount, target.unit.value),
    )


def targets(conn: sqlite3.Connection, queue: str) -> dict[tuple[ClockKind, Priority], Target]:
    """Targets set for ``queue``, over those set for every queue (``*``); defaults are not included."""
    out: dict[tuple[ClockKind, Priority], Target] = {}
    for r in conn.execute("SELECT * FROM sla_targets WHERE queue IN ('*', ?) ORDER BY queue = '*' DESC", (queue,)):
        out[(ClockKind(r["clock"]), Priority(r["priority"]))] = Target(r["amount"], Unit(r["unit"]))
    return out


def queue_region(conn: sqlite3.Connection, queue: str) -> str:
    row = conn.execute("SELECT region FROM queues WHERE name = ?", (queue,)).fetchone()
    return "" if row is None else str(row[0])


# ---- callbacks -------------------------------------------------------------------------------------


def callbacks_without_case(conn: sqlite3.Connection) -> list[tuple[int, CallbackInfo]]:
    rows = conn.execute(
        "SELECT * FROM callbacks WHERE id NOT IN (SELECT callback_id FROM cases WHERE callback_id IS NOT NULL)"
        " ORDER BY id"
    )
    return [(r["id"], CallbackInfo(
        callback_id=r["id"], queue=r["queue"], name=r["name"], phone=r["phone"], email=r["email"], text=r["text"],
        request_type=RequestType(r["request_type"]), created_at=r["created_at"],
        context=list(sql.context_from_json(r["context"])), chat_id=r["chat_id"], verified_id=r["requestor_id"],
    )) for r in rows]


def callback_site(conn: sqlite3.Connection, callback_id: int) -> str | None:
    row = conn.execute("SELECT site FROM callbacks WHERE id = ?", (callback_id,)).fetchone()
    return None if row is None else row[0]
