"""``onduty-server store copy``: a team's SQLite data moves into PostgreSQL whole, or not at all."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from pathlib import Path

import psycopg
import pytest

from onduty.server.cli import main
from onduty.server.core.cases import CaseState, Priority, Requestor, SendMode
from onduty.server.core.sla import ALWAYS, ClockKind, Target, Unit
from onduty.server.store import Store
from onduty.server.store.pg import PostgresStore
from onduty.server.store.pg_copy import TABLES
from onduty.server.store.records import AgentRecord, AuditEntry, FileRecord, NewCase, QueueRecord, SessionRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.server.store.url import sqlite_url
from onduty.shared.types import (
    BusinessContext,
    CallbackInfo,
    CannedMessage,
    ChatState,
    DiscussionState,
    Presence,
    RequestType,
    Role,
)
from tests.store.backends import make_chat


async def _team(store: Store) -> None:
    """A little of everything the store keeps."""
    await store.add_queue(QueueRecord("q1", "Queue", "EMEA", anonymous=False))
    for name in ("ann", "bob"):
        await store.add_agent(AgentRecord(name, name.title(), "EMEA", "CIM", ("q1",), "hash", phone="+1"))
    await store.save_agent_state("ann", True, Presence.BUSY, 5.0)
    await store.add_session(SessionRecord("th", "ann", 99.0))
    await store.create_chat(make_chat("c1", context=(BusinessContext("order", "42", "Order 42"),)))
    await store.update_chat("c1", state=ChatState.ACTIVE, agent="ann", assigned_at=101.0)
    await store.add_file(FileRecord("f1", "c1", "a.png", 3, "image/png", "00", "ann", 102.0))
    for i in range(3):
        await store.append_message("c1", Role.REQUESTOR, "R", f"m{i}", 103.0 + i, f"cm{i}")
    await store.append_message("c1", Role.AGENT, "Ann", "file", 107.0, None, FileRecord(
        "f1", "c1", "a.png", 3, "image/png", "00", "ann", 102.0).ref())
    await store.ack("c1", Role.AGENT, 3)
    await store.audit(AuditEntry(101.0, "assigned", "c1", "ann", {"queue": "q1"}))
    await store.add_memo("c1", "ann", "memo", 108.0)
    await store.set_canned(CannedMessage("q1", "hi", "Hello"))
    await store.add_callback(CallbackInfo(0, "q1", "Rita", "+49", None, "call me", RequestType.OTHER, 109.0), None)
    await store.save_discussion("d1", "c1", "ann", "bob", None, DiscussionState.OFFERED, 110.0)
    await store.add_discussion_message("d1", "ann", "Ann", "take it?", 111.0, "dm1")
    await store.add_contact("ann", "bob", 112.0)
    await store.add_im("ann", "Ann", "bob", "psst", 113.0, "im1", None)
    await store.open_channel("ann", "bob", 113.0)
    case = await store.create_case(NewCase("Stuck", "", "q1", Priority.HIGH, Requestor("Rita"), "ann", 114.0,
                                           "chat:c1", chat_id="c1"), "tok")
    await store.add_external_info(case.number, SendMode.SAVE, "ann", "Ann", "looking", 115.0)
    await store.add_case_memo(case.number, "ann", "note", 116.0)
    await store.set_hours("EMEA", ALWAYS)
    await store.set_target("q1", ClockKind.IRT, Priority.HIGH, Target(2, Unit.HOURS))
    await store.set_staffed_hours("q1", "mon-fri 08:00-20:00", "Asia/Singapore")
    await store.set_service_goal("q1", 30.0, 0.9)
    await store.note_duty_hour("q1", 3600.0, 2, 1)
    await store.close_alert(await store.open_alert("q1", "nobody_on_duty", 117.0), 118.0)
    await store.add_whisper("c1", "bob", "Bob", "ask for the order number", 119.0)


async def _sqlite_team(path: Path) -> None:
    store = SqliteStore(path)
    await store.open()
    try:
        await _team(store)
    finally:
        await store.close()


def _copy(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return main(["store", "copy", *argv])


async def _counts(url: str) -> dict[str, int]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        cur = await conn.execute("SELECT count(*) FROM messages")
        messages = await cur.fetchone()
        cur = await conn.execute("SELECT count(*) FROM queues")
        queues = await cur.fetchone()
    assert messages is not None and queues is not None
    return {"messages": int(str(messages[0])), "queues": int(str(queues[0]))}


def test_every_table_of_the_sqlite_schema_is_copied(tmp_path: Path) -> None:
    path = tmp_path / "onduty.sqlite3"
    asyncio.run(_sqlite_team(path))
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                             " AND name NOT LIKE 'sqlite_%'")}
    assert tables == set(TABLES)


def test_copy_moves_everything_and_numbering_goes_on(tmp_path: Path, pg_url: str,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "onduty.sqlite3"
    asyncio.run(_sqlite_team(path))
    assert _copy(monkeypatch, "--from", sqlite_url(path), "--to", pg_url) == 0
    out = capsys.readouterr().out
    assert "messages\t4\n" in out and "counts checked" in out
    asyncio.run(_same_data_and_counters_go_on(path, pg_url))


async def _same_data_and_counters_go_on(path: Path, pg_url: str) -> None:
    sqlite, pg = SqliteStore(path), PostgresStore(pg_url)
    await sqlite.open()
    await pg.open()
    try:
        assert await pg.list_agents() == await sqlite.list_agents()
        assert await pg.agent_states() == await sqlite.agent_states()
        assert await pg.get_session("th") == await sqlite.get_session("th")
        assert await pg.get_chat("c1") == await sqlite.get_chat("c1")
        assert await pg.messages_after("c1", 0) == await sqlite.messages_after("c1", 0)
        assert await pg.acked("c1", Role.AGENT) == 3
        assert await pg.audit_log("c1") == await sqlite.audit_log("c1")
        assert await pg.memos("c1") == await sqlite.memos("c1")
        assert await pg.list_canned(["q1"]) == await sqlite.list_canned(["q1"])
        assert await pg.list_callbacks(["q1"]) == await sqlite.list_callbacks(["q1"])
        assert await pg.contacts_of("ann") == ["bob"]
        assert await pg.im_history("ann", "bob", 0) == await sqlite.im_history("ann", "bob", 0)
        assert await pg.open_channels("ann") == ["bob"]
        assert await pg.case_detail(1) == await sqlite.case_detail(1)
        assert await pg.sla_settings("q1") == await sqlite.sla_settings("q1")
        assert await pg.staffed_hours() == await sqlite.staffed_hours()
        assert await pg.service_goals() == {"q1": (30.0, 0.9)}
        assert await pg.duty_hours("q1", 0.0, 1e9) == {3600.0: (2, 1)}
        assert await pg.alerts(["q1"], 0.0, 200.0) == await sqlite.alerts(["q1"], 0.0, 200.0)
        assert await pg.whispers("c1") == await sqlite.whispers("c1")
        # counters continue where SQLite left them
        message, _ = await pg.append_message("c1", Role.REQUESTOR, "R", "next", 120.0, None)
        assert message.seq == 5
        assert (await pg.add_discussion_message("d1", "bob", "Bob", "yes", 121.0, "dm2"))[0] == 2
        assert (await pg.add_im("bob", "Bob", "ann", "ok", 122.0, "im2", None))[0].seq == 2
        case = await pg.create_case(NewCase("Again", "", "q1", Priority.LOW, Requestor("Rita"), "ann", 123.0, "api"),
                                    "tok2")
        assert case.number == 2 and case.head.state is CaseState.NEW
        assert await pg.add_memo("c1", "ann", "two", 124.0) != (await sqlite.memos("c1"))[0]
    finally:
        await sqlite.close()
        await pg.close()


async def _one_queue(pg_url: str) -> None:
    pg = PostgresStore(pg_url)
    await pg.open()
    await pg.add_queue(QueueRecord("other"))
    await pg.close()


def test_copy_refuses_a_target_with_data_unless_told(tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "onduty.sqlite3"
    asyncio.run(_sqlite_team(path))
    asyncio.run(_one_queue(pg_url))
    assert _copy(monkeypatch, "--from", sqlite_url(path), "--to", pg_url) == 2
    assert "already holds data (tables queues)" in capsys.readouterr().err
    assert asyncio.run(_counts(pg_url)) == {"messages": 0, "queues": 1}
    assert _copy(monkeypatch, "--from", sqlite_url(path), "--to", pg_url, "--replace") == 0
    assert asyncio.run(_counts(pg_url)) == {"messages": 4, "queues": 1}


def test_copy_is_all_or_nothing(tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "onduty.sqlite3"
    asyncio.run(_sqlite_team(path))
    with sqlite3.connect(path) as conn:  # a row PostgreSQL's foreign keys refuse, copied after many good ones
        conn.execute("INSERT INTO sla_events (case_id, clock, kind, at, recorded_at)"
                     " VALUES (99, 'irt', 'breach', 1, 1)")
    assert _copy(monkeypatch, "--from", sqlite_url(path), "--to", pg_url) == 2
    assert "nothing was changed" in capsys.readouterr().err
    assert asyncio.run(_counts(pg_url)) == {"messages": 0, "queues": 0}
