"""Queues, agents (with their duty and presence), sites, sessions, canned messages and callback
requests on the SQLite store: mixed into :class:`~onduty.server.store.sqlite.SqliteStore`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from onduty.server.core.roles import StaffRole
from onduty.server.store import sql, sql_agentstate, sql_queuedata
from onduty.server.store.records import AgentRecord, AgentState, QueueRecord, SessionRecord, SiteRecord
from onduty.shared.types import CallbackInfo, CannedMessage, Presence

T = TypeVar("T")


class DirectoryStoreMixin:
    """The directory part of the SQLite store; methods use the store's ``_read`` / ``_write``."""

    if TYPE_CHECKING:  # provided by SqliteStore
        async def _read(self, op: Callable[[sqlite3.Connection], T]) -> T: ...
        async def _write(self, op: Callable[[sqlite3.Connection], T]) -> T: ...

    async def add_queue(self, queue: QueueRecord) -> None:
        await self._write(partial(sql.add_queue, q=queue))

    async def get_queue(self, name: str) -> QueueRecord | None:
        return await self._read(partial(sql.get_queue, name=name))

    async def list_queues(self) -> list[QueueRecord]:
        return await self._read(sql.list_queues)

    async def add_agent(self, agent: AgentRecord) -> None:
        await self._write(partial(sql.add_agent, a=agent))

    async def get_agent(self, username: str) -> AgentRecord | None:
        return await self._read(partial(sql.get_agent, username=username))

    async def list_agents(self) -> list[AgentRecord]:
        return await self._read(sql.list_agents)

    async def set_role(self, username: str, role: StaffRole, supervises: Sequence[str] = ()) -> None:
        await self._write(partial(sql.set_role, username=username, role=role, supervises=tuple(supervises)))

    async def set_password(self, username: str, password_hash: str) -> None:
        await self._write(partial(sql.set_password, username=username, password_hash=password_hash))

    async def save_agent_state(self, username: str, on_duty: bool, presence: Presence, at: float) -> None:
        await self._write(partial(sql_agentstate.save_agent_state, username=username, on_duty=on_duty,
                                  presence=presence, at=at))

    async def agent_states(self) -> dict[str, AgentState]:
        return await self._read(sql_agentstate.agent_states)

    async def add_site(self, site: SiteRecord) -> None:
        await self._write(partial(sql.add_site, s=site))

    async def get_site(self, name: str) -> SiteRecord | None:
        return await self._read(partial(sql.get_site, name=name))

    async def add_session(self, session: SessionRecord) -> None:
        await self._write(partial(sql.add_session, s=session))

    async def get_session(self, token_hash: str) -> SessionRecord | None:
        return await self._read(partial(sql.get_session, token_hash=token_hash))

    async def delete_session(self, token_hash: str) -> None:
        await self._write(partial(sql.delete_session, token_hash=token_hash))

    async def set_canned(self, item: CannedMessage) -> None:
        await self._write(partial(sql_queuedata.set_canned, item=item))

    async def remove_canned(self, queue: str, shortcut: str) -> bool:
        return await self._write(partial(sql_queuedata.remove_canned, queue=queue, shortcut=shortcut))

    async def list_canned(self, queues: Sequence[str]) -> list[CannedMessage]:
        return await self._read(partial(sql_queuedata.list_canned, queues=tuple(queues)))

    async def add_callback(self, callback: CallbackInfo, site: str | None) -> int:
        return await self._write(partial(sql_queuedata.add_callback, c=callback, site=site))

    async def list_callbacks(self, queues: Sequence[str], limit: int = 50, done: bool = False) -> list[CallbackInfo]:
        return await self._read(partial(sql_queuedata.list_callbacks, queues=tuple(queues), limit=limit, done=done))

    async def get_callback(self, callback_id: int) -> CallbackInfo | None:
        return await self._read(partial(sql_queuedata.get_callback, callback_id=callback_id))

    async def change_callback(self, callback_id: int,
                              change: Callable[[CallbackInfo], CallbackInfo]) -> CallbackInfo | None:
        return await self._write(partial(sql_queuedata.change_callback, callback_id=callback_id, change=change))

    async def release_lapsed_callbacks(self, now: float) -> list[CallbackInfo]:
        return await self._write(partial(sql_queuedata.release_lapsed_callbacks, now=now))

    async def count_callbacks(self, now: float) -> dict[str, int]:
        return await self._read(partial(sql_queuedata.count_callbacks, now=now))
