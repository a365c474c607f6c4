"""Store writes that do not hold up delivery: routing steps, the audit trail, delivery cursors.

A message is stored before it is confirmed (``sent``); the rest (a chat's state, audit lines,
acks) is written in the background, in the order given, by the store's single writer. A failed
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
    def __init__(self, store: Store) -> None:
        self.store = store
        self._pending: set[asyncio.Task[Any]] = set()
        self._acks: dict[tuple[str, Role], int] = {}

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
        """Record a delivery cursor; acks arriving in one turn are written once, at the highest seq."""
        key = (chat_id, party)
        if key not in self._acks:
            if not self._acks:
                asyncio.get_running_loop().call_soon(self.flush_acks)
            self._acks[key] = seq
        else:
            self._acks[key] = max(self._acks[key], seq)

    def flush_acks(self) -> None:
        acks, self._acks = self._acks, {}
        for (chat_id, party), seq in acks.items():
            self.background(self.store.ack(chat_id, party, seq), "ack")

    async def drain(self) -> None:
        """Write the pending acks and wait for every background write (at shutdown)."""
        self.flush_acks()
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)
