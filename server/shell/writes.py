"""Store writes that do not hold up delivery: routing steps, the audit trail, delivery cursors.

A message is stored before it is confirmed (``sent``); the rest (a chat's state, audit lines,
acks) is written in the background, in the order given, by the store's single writer. Acks are
gathered for ``ack_delay_s`` and written once per (chat, party), at the highest seq: a party acks
every message, and one cursor write per message would cost as much as the message itself. Nothing
is confirmed for an ack, and a cursor lost in a crash only means messages the client already has
are replayed on resume (clients drop them by seq); :meth:`Writes.acked` answers with the cursors
not yet written, so a resume in this process never goes back. A failed
background write is logged here; the store has retried it already, and while its writes fail
it reports itself unhealthy, so ``/healthz`` answers 503 and the load balancer stops sending
new traffic (docs/architecture.md, "Failures").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from onduty.server.store import AuditEntry, Store
from onduty.shared.types import Role

log = logging.getLogger(__name__)


class Writes:
    def __init__(self, store: Store, ack_delay_s: float = 0.0) -> None:
        self.store = store
        self.ack_delay_s = ack_delay_s
        self._pending: set[asyncio.Task[Any]] = set()
        self._acks: dict[tuple[str, Role], int] = {}
        """Acks gathered since the last flush, the highest seq per (chat, party)."""
        self._writing: dict[tuple[str, Role], int] = {}
        """Acks handed to the store and not committed yet."""
        self._flush: asyncio.TimerHandle | asyncio.Handle | None = None

    def background(self, coro: Coroutine[Any, Any, Any], what: str) -> None:
        """Run ``coro`` without awaiting it; a failure is logged with ``what``, never lost silently."""
        task = asyncio.get_running_loop().create_task(coro, name=what)
        self._pending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.error("background %s failed", task.get_name(), exc_info=exc)

    def audit(self, at: float, kind: str, chat_id: str | None, agent: str | None, **detail: str) -> None:
        self.background(self.store.audit(AuditEntry(at, kind, chat_id, agent, detail)), "audit")

    def ack(self, chat_id: str, party: Role, seq: int) -> None:
        """Record a delivery cursor: written within ``ack_delay_s``, once, at the highest seq acked meanwhile."""
        key = (chat_id, party)
        if seq <= self._acks.get(key, -1):
            return
        self._acks[key] = seq
        if self._flush is None:
            loop = asyncio.get_running_loop()
            delay = self.ack_delay_s
            self._flush = loop.call_later(delay, self.flush_acks) if delay > 0 else loop.call_soon(self.flush_acks)

    def flush_acks(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        acks, self._acks = self._acks, {}
        for key, seq in acks.items():
            self._writing[key] = max(seq, self._writing.get(key, 0))
            self.background(self._write_ack(key, seq), "ack")

    async def _write_ack(self, key: tuple[str, Role], seq: int) -> None:
        try:
            await self.store.ack(key[0], key[1], seq)
        finally:
            if self._writing.get(key) == seq:
                del self._writing[key]

    async def acked(self, chat_id: str, party: Role) -> int:
        """The party's cursor: the stored one, or a later one not written yet."""
        key = (chat_id, party)
        stored = await self.store.acked(chat_id, party)
        return max(stored, self._acks.get(key, 0), self._writing.get(key, 0))

    async def drain(self) -> None:
        """Write the pending acks and wait for every background write (at shutdown)."""
        self.flush_acks()
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
