"""Staffed hours and staffing alerts on the PostgreSQL store: mixed into :class:`~onduty.server.store.pg.PostgresStore`.

One open alert per queue is checked under the queue row's lock, so two writers never open two."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from onduty.server.store.errors import StoreRefused
from onduty.server.store.pg_batch import Conn, Write
from onduty.server.store.pg_chats import CHAT_COLUMNS
from onduty.server.store.pg_query import exists, one, rows, run
from onduty.server.store.records import ChatRecord, StaffingAlertRecord
from onduty.server.store.sql import chat_record

T = TypeVar("T")

ALERT_COLUMNS = "id, queue, kind, started_at, ended_at"
KINDS = ("nobody_on_duty", "nobody_routable")


def _alert(r: Any) -> StaffingAlertRecord:
    return StaffingAlertRecord(int(r["id"]), r["queue"], r["kind"], r["started_at"], r["ended_at"])


class StaffingMixin:
    if TYPE_CHECKING:  # provided by PostgresStore
        async def _read(self, op: Callable[[Conn], Awaitable[T]], *, snapshot: bool = False) -> T: ...
        async def _write(self, op: Write) -> Any: ...

    async def set_staffed_hours(self, queue: str, spec: str, tz: str) -> None:
        async def op(conn: Conn) -> None:
            if not await exists(conn, "SELECT 1 FROM queues WHERE name = %s", queue):
                raise StoreRefused(f"unknown queue {queue!r}")
            await run(conn, "INSERT INTO queue_hours (queue, spec, tz) VALUES (%s, %s, %s) ON CONFLICT (queue)"
                            " DO UPDATE SET spec = excluded.spec, tz = excluded.tz", queue, spec, tz)

        await self._write(op)

    async def staffed_hours(self) -> dict[str, tuple[str, str]]:
        async def op(conn: Conn) -> dict[str, tuple[str, str]]:
            found = await rows(conn, "SELECT queue, spec, tz FROM queue_hours")
            return {r["queue"]: (r["spec"], r["tz"]) for r in found}

        return await self._read(op)

    async def set_service_goal(self, queue: str, target_s: float, level: float) -> None:
        async def op(conn: Conn) -> None:
            if not await exists(conn, "SELECT 1 FROM queues WHERE name = %s", queue):
                raise StoreRefused(f"unknown queue {queue!r}")
            await run(conn, "INSERT INTO queue_goals (queue, target_s, level) VALUES (%s, %s, %s) ON CONFLICT (queue)"
                            " DO UPDATE SET target_s = excluded.target_s, level = excluded.level",
                      queue, target_s, level)

        await self._write(op)

    async def service_goals(self) -> dict[str, tuple[float, float]]:
        async def op(conn: Conn) -> dict[str, tuple[float, float]]:
            found = await rows(conn, "SELECT queue, target_s, level FROM queue_goals")
            return {r["queue"]: (float(r["target_s"]), float(r["level"])) for r in found}

        return await self._read(op)

    async def note_duty_hour(self, queue: str, hour_start: float, on_duty: int, routable: int) -> None:
        async def op(conn: Conn) -> None:
            if not await exists(conn, "SELECT 1 FROM queues WHERE name = %s", queue):
                raise StoreRefused(f"unknown queue {queue!r}")
            await run(conn, "INSERT INTO duty_hours (queue, hour_start, on_duty, routable) VALUES (%s, %s, %s, %s)"
                            " ON CONFLICT (queue, hour_start) DO UPDATE SET"
                            " on_duty = greatest(duty_hours.on_duty, excluded.on_duty),"
                            " routable = greatest(duty_hours.routable, excluded.routable)",
                      queue, hour_start, on_duty, routable)

        await self._write(op)

    async def duty_hours(self, queue: str, since: float, until: float) -> dict[float, tuple[int, int]]:
        async def op(conn: Conn) -> dict[float, tuple[int, int]]:
            found = await rows(conn, "SELECT hour_start, on_duty, routable FROM duty_hours WHERE queue = %s"
                                     " AND hour_start >= %s AND hour_start < %s", queue, since, until)
            return {float(r["hour_start"]): (int(r["on_duty"]), int(r["routable"])) for r in found}

        return await self._read(op)

    async def open_alert(self, queue: str, kind: str, started_at: float) -> int:
        async def op(conn: Conn) -> int:
            if await one(conn, "SELECT 1 FROM queues WHERE name = %s FOR UPDATE", queue) is None:
                raise StoreRefused(f"unknown queue {queue!r}")
            if kind not in KINDS:
                raise StoreRefused(f"not a staffing alert kind: {kind!r}")
            if await exists(conn, "SELECT 1 FROM staffing_alerts WHERE queue = %s AND ended_at IS NULL", queue):
                raise StoreRefused(f"queue {queue!r} has an open staffing alert already")
            row = await one(conn, "INSERT INTO staffing_alerts (queue, kind, started_at) VALUES (%s, %s, %s)"
                                  " RETURNING id", queue, kind, started_at)
            assert row is not None
            return int(row["id"])

        return int(await self._write(op))

    async def close_alert(self, alert_id: int, ended_at: float) -> None:
        async def op(conn: Conn) -> None:
            row = await one(conn, "SELECT started_at, ended_at FROM staffing_alerts WHERE id = %s FOR UPDATE", alert_id)
            if row is None:
                raise StoreRefused(f"unknown staffing alert {alert_id}")
            if row["ended_at"] is None:
                await run(conn, "UPDATE staffing_alerts SET ended_at = %s WHERE id = %s",
                          max(ended_at, row["started_at"]), alert_id)

        await self._write(op)

    async def alerts(self, queues: Sequence[str], since: float, until: float) -> list[StaffingAlertRecord]:
        async def op(conn: Conn) -> list[StaffingAlertRecord]:
            found = await rows(conn, f"SELECT {ALERT_COLUMNS} FROM staffing_alerts WHERE queue = ANY (%s)"
                                     " AND started_at < %s AND (ended_at IS NULL OR ended_at > %s)"
                                     " ORDER BY started_at, id", list(queues), until, since)
            return [_alert(r) for r in found]

        return await self._read(op)

    async def chats_requested(self, queue: str, since: float, until: float) -> list[ChatRecord]:
        async def op(conn: Conn) -> list[ChatRecord]:
            found = await rows(conn, f"SELECT {CHAT_COLUMNS} FROM chats WHERE queue = %s AND requested_at >= %s"
                                     " AND requested_at < %s ORDER BY requested_at, chat_id", queue, since, until)
            return [chat_record(r) for r in found]

        return await self._read(op)

    async def callbacks_created(self, queue: str, since: float, until: float) -> list[float]:
        async def op(conn: Conn) -> list[float]:
            found = await rows(conn, "SELECT created_at FROM callbacks WHERE queue = %s AND created_at >= %s"
                                     " AND created_at < %s ORDER BY created_at", queue, since, until)
            return [float(r["created_at"]) for r in found]

        return await self._read(op)

    async def open_alerts(self) -> list[StaffingAlertRecord]:
        async def op(conn: Conn) -> list[StaffingAlertRecord]:
            found = await rows(conn, f"SELECT {ALERT_COLUMNS} FROM staffing_alerts WHERE ended_at IS NULL"
                                     " ORDER BY queue")
            return [_alert(r) for r in found]

        return await self._read(op)
