"""Case records on the SQLite store (issue 6): mixed into :class:`SqliteStore`.

Each method is one read or one write of :mod:`onduty.server.store.sql_cases`, so a write is
durable when it returns and a read sees one consistent snapshot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from onduty.server.core.cases import Case, CaseMemo, CaseState, Change, ExternalInfo, Interaction, Priority, SendMode
from onduty.server.core.sla import BusinessHours, ClockKind, Target, Timeline
from onduty.server.store import sql_cases
from onduty.server.store.base_cases import Targets
from onduty.server.store.records import CaseDetail, NewCase, Rule
from onduty.shared.types import CallbackInfo

T = TypeVar("T")

class CaseStoreMixin:
    """The cases part of the SQLite store; methods use the store's ``_read`` / ``_write``."""

    if TYPE_CHECKING:
        async def _read(self, op: Callable[[sqlite3.Connection], T]) -> T: ...

        async def _write(self, op: Callable[[sqlite3.Connection], T]) -> T: ...

    # ---- cases ---------------------------------------------------------------------------

    async def create_case(self, new: NewCase, token_hash: str) -> Case:
        """A New case (linking ``new.chat_id``); StoreRefused if that chat is already part of a case."""
        return await self._write(partial(sql_cases.create_case, n=new, token_hash=token_hash))

    async def get_case(self, number: int) -> Case | None:
        return await self._read(partial(sql_cases.get_case, number=number))

    async def case_detail(self, number: int) -> CaseDetail | None:
        return await self._read(partial(sql_cases.case_detail, number=number))

    async def change_case(self, number: int, rule: Rule, at: float) -> tuple[Case, list[Change]]:
        """Apply a rule of :mod:`onduty.server.core.cases` to the stored case (CaseRuleError if refused)."""
        return await self._write(partial(sql_cases.change_case, number=number, rule=rule, at=at))

    async def link_chat(self, number: int, chat_id: str, actor: str, at: float) -> None:
        await self._write(partial(sql_cases.link_chat, number=number, chat_id=chat_id, actor=actor, at=at))

    async def case_of_chat(self, chat_id: str) -> int | None:
        return await self._read(partial(sql_cases.case_of_chat, chat_id=chat_id))

    async def add_case_token(self, number: int, token_hash: str, at: float) -> None:
        await self._write(partial(sql_cases.add_token, number=number, token_hash=token_hash, at=at))

    async def case_by_token(self, token_hash: str) -> int | None:
        return await self._read(partial(sql_cases.case_by_token, token_hash=token_hash))

    async def list_cases(self, queues: Sequence[str], owner: str | None, states: Sequence[CaseState],
                         limit: int = 100, before: int | None = None) -> list[tuple[Case, Timeline]]:
        """Cases with the timelines their SLA clocks need, newest first (older than ``before``, if given)."""
        def op(conn: sqlite3.Connection) -> list[tuple[Case, Timeline]]:
            found = sql_cases.list_cases(conn, tuple(queues), owner, tuple(states), limit, before)
            return [(c, sql_cases.timeline(conn, c)) for c in found]
        return await self._read(op)

    async def open_cases(self, after: int = 0, limit: int = 500) -> list[tuple[Case, Timeline]]:
        def op(conn: sqlite3.Connection) -> list[tuple[Case, Timeline]]:
            return [(c, sql_cases.timeline(conn, c)) for c in sql_cases.open_cases(conn, after, limit)]
        return await self._read(op)

    # ---- communication ---------------------------------------------------------------------

    async def add_external_info(self, number: int, mode: SendMode, author: str, author_name: str, text: str,
                                at: float) -> tuple[Case, ExternalInfo]:
        return await self._write(partial(sql_cases.add_external_info, number=number, mode=mode, author=author,
                                         author_name=author_name, text=text, at=at))

    async def set_info_mail(self, info_id: int, mail: str) -> None:
        await self._write(partial(sql_cases.set_info_mail, info_id=info_id, mail=mail))

    async def customer_answer(self, number: int, text: str, at: float) -> tuple[Case, ExternalInfo]:
        return await self._write(partial(sql_cases.customer_answer, number=number, text=text, at=at))

    async def add_interaction(self, number: int, interaction: Interaction) -> Interaction:
        return await self._write(partial(sql_cases.add_interaction, number=number, i=interaction))

    async def add_case_memo(self, number: int, author: str, text: str, at: float) -> CaseMemo:
        return await self._write(partial(sql_cases.add_case_memo, number=number, author=author, text=text, at=at))

    # ---- SLA ---------------------------------------------------------------------------------

    async def record_sla_event(self, number: int, clock: ClockKind, kind: str, at: float, recorded_at: float) -> bool:
        return await self._write(partial(sql_cases.record_sla_event, number=number, clock=clock, kind=kind, at=at,
                                         recorded_at=recorded_at))

    async def sla_settings(self, queue: str) -> tuple[BusinessHours, Targets]:
        """The business hours of the queue's region (with holidays) and the queue's own targets."""
        def op(conn: sqlite3.Connection) -> tuple[BusinessHours, Targets]:
            return sql_cases.get_hours(conn, sql_cases.queue_region(conn, queue)), sql_cases.targets(conn, queue)
        return await self._read(op)

    async def set_hours(self, region: str, hours: BusinessHours) -> None:
        await self._write(partial(sql_cases.set_hours, region=region, hours=hours))

    async def get_hours(self, region: str) -> BusinessHours:
        return await self._read(partial(sql_cases.get_hours, region=region))

    async def add_holiday(self, region: str, day: date, name: str) -> None:
        await self._write(partial(sql_cases.add_holiday, region=region, day=day, name=name))

    async def remove_holiday(self, region: str, day: date) -> bool:
        return await self._write(partial(sql_cases.remove_holiday, region=region, day=day))

    async def list_holidays(self, region: str) -> list[tuple[date, str]]:
        return await self._read(partial(sql_cases.list_holidays, region=region))

    async def set_target(self, queue: str, clock: ClockKind, priority: Priority, target: Target) -> None:
        await self._write(partial(sql_cases.set_target, queue=queue, clock=clock, priority=priority, target=target))

    async def targets(self, queue: str) -> Targets:
        return await self._read(partial(sql_cases.targets, queue=queue))

    # ---- callbacks ---------------------------------------------------------------------------

    async def callbacks_without_case(self) -> list[tuple[int, CallbackInfo]]:
        return await self._read(sql_cases.callbacks_without_case)

    async def callback_site(self, callback_id: int) -> str | None:
        return await self._read(partial(sql_cases.callback_site, callback_id=callback_id))

