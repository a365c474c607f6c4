"""SQL for staffed hours and staffing alerts (migration 7) and what reports read, on the SQLite store's thread."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from onduty.server.store.errors import StoreRefused
from onduty.server.store.records import ChatRecord, StaffingAlertRecord
from onduty.server.store.sql import _CHAT_COLUMNS as CHAT_COLUMNS
from onduty.server.store.sql import chat_record, exists

ALERT_COLUMNS = "id, queue, kind, started_at, ended_at"


def alert_record(r: sqlite3.Row) -> StaffingAlertRecord:
    return StaffingAlertRecord(r["id"], r["queue"], r["kind"], r["started_at"], r["ended_at"])


def set_staffed_hours(conn: sqlite3.Connection, queue: str, spec: str, tz: str) -> None:
    if not exists(conn, "SELECT 1 FROM queues WHERE name = ?", queue):
        raise StoreRefused(f"unknown queue {queue!r}")
    conn.execute("INSERT INTO queue_hours (queue, spec, tz) VALUES (?, ?, ?)"
                 " ON CONFLICT (queue) DO UPDATE SET spec = excluded.spec, tz = excluded.tz", (queue, spec, tz))


def staffed_hours(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    return {r["queue"]: (r["spec"], r["tz"]) for r in conn.execute("SELECT queue, spec, tz FROM queue_hours")}


def set_service_goal(conn: sqlite3.Connection, queue: str, target_s: float, level: float) -> None:
    if not exists(conn, "SELECT 1 FROM queues WHERE name = ?", queue):
        raise StoreRefused(f"unknown queue {queue!r}")
    conn.execute("INSERT INTO queue_goals (queue, target_s, level) VALUES (?, ?, ?) ON CONFLICT (queue)"
                 " DO UPDATE SET target_s = excluded.target_s, level = excluded.level", (queue, target_s, level))


def service_goals(conn: sqlite3.Connection) -> dict[str, tuple[float, float]]:
    return {r["queue"]: (r["target_s"], r["level"])
            for r in conn.execute("SELECT queue, target_s, level FROM queue_goals")}


def note_duty_hour(conn: sqlite3.Connection, queue: str, hour_start: float, on_duty: int, routable: int) -> None:
    if not exists(conn, "SELECT 1 FROM queues WHERE name = ?", queue):
        raise StoreRefused(f"unknown queue {queue!r}")
    conn.execute("INSERT INTO duty_hours (queue, hour_start, on_duty, routable) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (queue, hour_start) DO UPDATE SET on_duty = max(on_duty, excluded.on_duty),"
                 " routable = max(routable, excluded.routable)", (queue, hour_start, on_duty, routable))


def duty_hours(conn: sqlite3.Connection, queue: str, since: float, until: float) -> dict[float, tuple[int, int]]:
    rows = conn.execute("SELECT hour_start, on_duty, routable FROM duty_hours WHERE queue = ? AND hour_start >= ?"
                        " AND hour_start < ?", (queue, since, until))
    return {r["hour_start"]: (r["on_duty"], r["routable"]) for r in rows}


def open_alert(conn: sqlite3.Connection, queue: str, kind: str, started_at: float) -> int:
    if not exists(conn, "SELECT 1 FROM queues WHERE name = ?", queue):
        raise StoreRefused(f"unknown queue {queue!r}")
    if exists(conn, "SELECT 1 FROM staffing_alerts WHERE queue = ? AND ended_at IS NULL", queue):
        raise StoreRefused(f"queue {queue!r} has an open staffing alert already")
    try:
        cursor = conn.execute("INSERT INTO staffing_alerts (queue, kind, started_at) VALUES (?, ?, ?)",
                              (queue, kind, started_at))
    except sqlite3.IntegrityError as exc:
        raise StoreRefused(f"not a staffing alert kind: {kind!r}") from exc
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def close_alert(conn: sqlite3.Connection, alert_id: int, ended_at: float) -> None:
    row = conn.execute("SELECT started_at, ended_at FROM staffing_alerts WHERE id = ?", (alert_id,)).fetchone()
    if row is None:
        raise StoreRefused(f"unknown staffing alert {alert_id}")
    if row["ended_at"] is not None:
        return  # closed already: the first end stays
    conn.execute("UPDATE staffing_alerts SET ended_at = ? WHERE id = ?", (max(ended_at, row["started_at"]), alert_id))


def alerts(conn: sqlite3.Connection, queues: Sequence[str], since: float, until: float) -> list[StaffingAlertRecord]:
    marks = ",".join("?" * len(queues))
    rows = conn.execute(
        f"SELECT {ALERT_COLUMNS} FROM staffing_alerts WHERE queue IN ({marks}) AND started_at < ?"
        " AND (ended_at IS NULL OR ended_at > ?) ORDER BY started_at, id",
        (*queues, until, since),
    )
    return [alert_record(r) for r in rows]


def open_alerts(conn: sqlite3.Connection) -> list[StaffingAlertRecord]:
    rows = conn.execute(f"SELECT {ALERT_COLUMNS} FROM staffing_alerts WHERE ended_at IS NULL ORDER BY queue")
    return [alert_record(r) for r in rows]


def chats_requested(conn: sqlite3.Connection, queue: str, since: float, until: float) -> list[ChatRecord]:
    rows = conn.execute(f"SELECT {CHAT_COLUMNS} FROM chats WHERE queue = ? AND requested_at >= ? AND requested_at < ?"
                        " ORDER BY requested_at, chat_id", (queue, since, until))
    return [chat_record(r) for r in rows]


def callbacks_created(conn: sqlite3.Connection, queue: str, since: float, until: float) -> list[float]:
    rows = conn.execute("SELECT created_at FROM callbacks WHERE queue = ? AND created_at >= ? AND created_at < ?"
                        " ORDER BY created_at", (queue, since, until))
    return [r["created_at"] for r in rows]
