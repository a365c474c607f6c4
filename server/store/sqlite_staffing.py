"""Staffed hours and staffing alerts on the SQLite store: mixed into ``SqliteStore``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from onduty.server.store import sql_staffing
from onduty.server.store.records import ChatRecord, StaffingAlertRecord

T = TypeVar("T")


class StaffingStoreMixin:
    if TYPE_CHECKING:  # provided by SqliteStore
        async def _read(self, op: Callable[[sqlite3.Connection], T]) -> T: ...
        async def _write(self, op: Callable[[sqlite3.Connection], T]) -> T: ...

    async def set_staffed_hours(self, queue: str, spec: str, tz: str) -> None:
        await self._write(partial(sql_staffing.set_staffed_hours, queue=queue, spec=spec, tz=tz))

    async def staffed_hours(self) -> dict[str, tuple[str, str]]:
        return await self._read(sql_staffing.staffed_hours)

    async def set_service_goal(self, queue: str, target_s: float, level: float) -> None:
        await self._write(partial(sql_staffing.set_service_goal, queue=queue, target_s=target_s, level=level))

    async def service_goals(self) -> dict[str, tuple[float, float]]:
        return await self._read(sql_staffing.service_goals)

    async def note_duty_hour(self, queue: str, hour_start: float, on_duty: int, routable: int) -> None:
        await self._write(partial(sql_staffing.note_duty_hour, queue=queue, hour_start=hour_start, on_duty=on_duty,
                                  routable=routable))

    async def duty_hours(self, queue: str, since: float, until: float) -> dict[float, tuple[int, int]]:
        return await self._read(partial(sql_staffing.duty_hours, queue=queue, since=since, until=until))

    async def open_alert(self, queue: str, kind: str, started_at: float) -> int:
        return await self._write(partial(sql_staffing.open_alert, queue=queue, kind=kind, started_at=started_at))

    async def close_alert(self, alert_id: int, ended_at: float) -> None:
        await self._write(partial(sql_staffing.close_alert, alert_id=alert_id, ended_at=ended_at))

    async def alerts(self, queues: Sequence[str], since: float, until: float) -> list[StaffingAlertRecord]:
        return await self._read(partial(sql_staffing.alerts, queues=tuple(queues), since=since, until=until))

    async def open_alerts(self) -> list[StaffingAlertRecord]:
        return await self._read(sql_staffing.open_alerts)

    async def chats_requested(self, queue: str, since: float, until: float) -> list[ChatRecord]:
        return await self._read(partial(sql_staffing.chats_requested, queue=queue, since=since, until=until))

    async def callbacks_created(self, queue: str, since: float, until: float) -> list[float]:
        return await self._read(partial(sql_staffing.callbacks_created, queue=queue, since=since, until=until))
