"""Records SLA warnings and breaches of open cases as they happen (every ``SWEEP_S``)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from onduty.server.core.sla import ClockKind
from onduty.server.shell.case_views import Policies, case_clocks
from onduty.server.shell.hub import Hub
from onduty.server.store.base import case_store

log = logging.getLogger(__name__)
SWEEP_S = 30.0


# ---- SLA watch ----------------------------------------------------------------------------------------


class SlaWatch:
    """Records SLA warnings and breaches of open cases (each once per case and clock)."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub

    async def sweep(self) -> list[tuple[int, ClockKind, str]]:
        """Look at every open case now; return what was newly recorded as (case, clock, kind)."""
        hub = self._hub
        store, now = case_store(hub.store), hub.clock()
        policies = Policies(store, hub.config)
        recorded = []
        for case, timeline in await store.open_cases():
            for c in case_clocks(case, timeline, await policies.get(case.head.queue), now):
                kind, at = ("breach", c.breached_at) if c.breached_at is not None else ("warning", now)
                if (c.breached_at is None and not c.warning) or at is None:
                    continue
                if await store.record_sla_event(case.number, c.kind, kind, at, now):
                    recorded.append((case.number, c.kind, kind))
                    log.warning("case SLA %s", kind, extra={"case": case.number, "clock": c.kind.value,
                                                           "queue": case.head.queue, "owner": case.head.owner})
        return recorded

    async def run(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # our bug; the watch must outlive it
                log.exception("SLA sweep failed")
            await asyncio.sleep(SWEEP_S)


SLA_WATCH = web.AppKey("sla_watch", SlaWatch)


