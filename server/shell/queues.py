"""Queues in the shell: their settings (loaded once, routing configured), and what agents and
requestors are told of them (``queue_status``, ``queue_info``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Set

from onduty.server.core import events as ev
from onduty.server.shell.ports import Delivery, Presence, Routing
from onduty.server.store import QueueRecord, Store
from onduty.shared.messages import QueueInfo, QueueStatus

SPREAD = 50
"""Agents told at a time by the periodic ``queue_status``. A thousand frames in one loop turn hold up every frame
read meanwhile, here and in whoever runs many agents' connections (it was the p99 of routing a request;
docs/performance.md), so a large queue is told in slices :data:`SPREAD_PACE_S` apart."""
SPREAD_PACE_S = 0.01
"""Between two slices: a thousand agents are told within 0.2 s, each with the status as it is then."""


class Queues:
    def __init__(self, store: Store, routing: Routing, delivery: Delivery, presence: Presence,
                 clock: Callable[[], float], status_interval_s: float, pace_s: float = SPREAD_PACE_S) -> None:
        self._store = store
        self._routing = routing
        self._delivery = delivery
        self._presence = presence
        self._clock = clock
        self._interval = status_interval_s
        self._pace = pace_s
        self._records: dict[str, QueueRecord] = {}
        self._callbacks: dict[str, int] = {}
        """Open callback requests per queue, neither claimed nor done (shown to its agents in ``queue_status``)."""
        self._dirty: set[str] = set()
        self._flush: asyncio.Handle | None = None
        self._last_flush = float("-inf")

    async def load(self) -> None:
        """Every stored queue, configured in routing (at start)."""
        self._callbacks = await self._store.count_callbacks(self._clock())
        for queue in await self._store.list_queues():
            self._records[queue.name] = queue
            self._routing.submit(ev.QueueConfigured(self._clock(), queue.name, queue.max_wait_s))

    def records(self) -> list[QueueRecord]:
        """The settings of every queue known so far, by name."""
        return [self._records[name] for name in sorted(self._records)]

    def callbacks(self, queue: str) -> int:
        """Callback requests of ``queue`` (as in its ``queue_status``)."""
        return self._callbacks.get(queue, 0)

    def stop(self) -> None:
        if self._flush is not None:
            self._flush.cancel()

    async def ensure(self, name: str) -> QueueRecord | None:
        """The queue's settings, configuring routing the first time (queues added while running)."""
        record = self._records.get(name)
        if record is None:
            record = await self._store.get_queue(name)
            if record is None:
                return None
            self._records[name] = record
        if not self._routing.has_queue(name):
            self._routing.submit(ev.QueueConfigured(self._clock(), name, record.max_wait_s))
        return record

    def status(self, queue: str) -> QueueStatus:
        s = self._routing.queue_status(queue)
        return QueueStatus(queue=queue, waiting=s.waiting, on_duty=s.on_duty, routable=s.routable,
                           callbacks=self._callbacks.get(queue, 0))

    def info(self, queue: QueueRecord) -> QueueInfo:
        """What a requestor may know before asking: is anyone on duty, how long is the line."""
        s = self._routing.queue_status(queue.name)
        estimate = self._routing.queue_estimate(queue.name, s.waiting + 1) if s.routable == 0 else 0.0
        return QueueInfo(queue=queue.name, open=s.on_duty > 0, on_duty=s.on_duty, waiting=s.waiting,
                         max_wait_s=queue.max_wait_s, est_wait_s=estimate if s.on_duty > 0 else None)

    def changed(self, queue: str) -> None:
        """Tell the queue's agents, coalesced: with a thousand agents in a queue, one frame
        each per routing event would be most of the server's work (see docs/performance.md)."""
        self._dirty.add(queue)
        if self._flush is not None:
            return
        loop = asyncio.get_running_loop()
        delay = self._last_flush + self._interval - loop.time()
        if delay > 0:
            self._flush = loop.call_later(delay, self._flush_status)
        else:
            self._flush = loop.call_soon(self._flush_status)

    def _flush_status(self) -> None:
        self._flush = None
        self._last_flush = asyncio.get_running_loop().time()
        queues, self._dirty = self._dirty, set()
        for queue in sorted(queues):
            self._spread(queue, list(self._presence.members(queue)))

    def _spread(self, queue: str, usernames: list[str], start: int = 0) -> None:
        """Tell ``usernames[start:]`` the queue's status, :data:`SPREAD` of them now and the next slice
        ``pace_s`` (:data:`SPREAD_PACE_S`) later (each slice is told the status as it is then)."""
        self._delivery.to_agents(usernames[start:start + SPREAD], self.status(queue))
        if start + SPREAD < len(usernames):
            asyncio.get_running_loop().call_later(self._pace, self._spread, queue, usernames, start + SPREAD)

    def broadcast(self, queue: str) -> None:
        """Tell every signed-in agent of ``queue`` its line, staffing and callbacks, now."""
        self._delivery.to_queue(queue, self.status(queue))

    def callback_added(self, queue: str) -> None:
        self._callbacks[queue] = self._callbacks.get(queue, 0) + 1
        self.broadcast(queue)

    async def recount_callbacks(self, queues: Set[str] = frozenset()) -> None:
        """Callbacks of ``queues`` were claimed, done or released: read the open counts again and tell those
        queues, and any other whose count changed (by the command line, or on another node)."""
        before, self._callbacks = self._callbacks, await self._store.count_callbacks(self._clock())
        changed = {q for q in before.keys() | self._callbacks.keys() if before.get(q, 0) != self._callbacks.get(q, 0)}
        for queue in sorted(queues | changed):
            self.broadcast(queue)
