"""Agents working together on the SQLite store: mixed into :class:`SqliteStore`."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from onduty.server.store import sql_collab
from onduty.server.store.records import ImRecord
from onduty.shared.types import BusinessContext, DiscussionState

T = TypeVar("T")


class CollabStoreMixin:
    """Discussions, contacts and instant messages (see :mod:`onduty.server.store.sql_collab`)."""

    if TYPE_CHECKING:  # provided by SqliteStore
        async def _read(self, op: Callable[[sqlite3.Connection], T]) -> T: ...
        async def _write(self, op: Callable[[sqlite3.Connection], T]) -> T: ...

    async def save_discussion(self, discussion_id: str, chat_id: str, sender: str, receiver: str | None,
                              queue: str | None, state: DiscussionState, at: float) -> None:
        await self._write(partial(sql_collab.save_discussion, discussion_id=discussion_id, chat_id=chat_id,
                                  sender=sender, receiver=receiver, queue=queue, state=state, at=at))

    async def add_discussion_message(self, discussion_id: str, sender: str, sender_name: str, text: str,
                                     at: float, client_msg_id: str) -> tuple[int, float, bool]:
        return await self._write(partial(sql_collab.add_discussion_message, discussion_id=discussion_id,
                                         sender=sender, sender_name=sender_name, text=text, at=at,
                                         client_msg_id=client_msg_id))

    async def add_contact(self, owner: str, contact: str, at: float) -> None:
        await self._write(partial(sql_collab.add_contact, owner=owner, contact=contact, at=at))

    async def remove_contact(self, owner: str, contact: str) -> bool:
        return await self._write(partial(sql_collab.remove_contact, owner=owner, contact=contact))

    async def contacts_of(self, owner: str) -> list[str]:
        return await self._read(partial(sql_collab.contacts_of, owner=owner))

    async def add_im(self, sender: str, sender_name: str, peer: str, text: str, at: float, client_msg_id: str,
                     context: BusinessContext | None) -> tuple[ImRecord, bool]:
        return await self._write(partial(sql_collab.add_im, sender=sender, sender_name=sender_name, peer=peer,
                                         text=text, at=at, client_msg_id=client_msg_id, context=context))

    async def im_history(self, x: str, y: str, after_seq: int, limit: int = 100) -> list[ImRecord]:
        return await self._read(partial(sql_collab.im_history, x=x, y=y, after_seq=after_seq, limit=limit))

    async def im_last_seq(self, x: str, y: str) -> int:
        return await self._read(partial(sql_collab.im_last_seq, x=x, y=y))

    async def im_ack(self, owner: str, peer: str, seq: int) -> None:
        await self._write(partial(sql_collab.im_ack, owner=owner, peer=peer, seq=seq))

    async def im_unread(self, owner: str, limit: int = 1000) -> list[ImRecord]:
        return await self._read(partial(sql_collab.im_unread, owner=owner, limit=limit))

    async def chat_shared_with(self, viewer: str, chat_id: str) -> bool:
        return await self._read(partial(sql_collab.chat_shared_with, viewer=viewer, chat_id=chat_id))

    async def open_channel(self, owner: str, peer: str, at: float) -> None:
        await self._write(partial(sql_collab.open_channel, owner=owner, peer=peer, at=at))

    async def close_channel(self, owner: str, peer: str) -> None:
        await self._write(partial(sql_collab.close_channel, owner=owner, peer=peer))

    async def open_channels(self, owner: str) -> list[str]:
        return await self._read(partial(sql_collab.open_channels, owner=owner))
