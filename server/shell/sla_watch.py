"""Records SLA warnings and breaches of open cases as they happen (every ``SWEEP_S``)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from onduty.server.core.cases import Case
from onduty.server.core.sla import ClockKind, Timeline
from onduty.server.shell.case_views import Policies, case_clocks
from onduty.server.shell.wiring import Shell
from onduty.server.store.base import CaseStore, case_store

log = logging.getLogger(__name__)
SWEEP_S = 30.0
SWEEP_PAGE = 500
"""Open cases read from the store at a time."""


# ---- SLA watch ----------------------------------------------------------------------------------------


class SlaWatch:
    """Records SLA warnings and breaches of open cases (each once per case and clock)."""

    def __init__(self, shell: Shell) -> None:
        self._shell = shell

    async def sweep(self) -> list[tuple[int, ClockKind, str]]:
        """Look at every open case now; return what was newly recorded as (case, clock, kind)."""
        shell = self._shell
        store, now = case_store(shell.store), shell.clock()
        policies = Policies(store, shell.config)
        recorded = []
        after = 0
        while page := await store.open_cases(after, SWEEP_PAGE):
            after = page[-1][0].number
            recorded += await self._sweep_page(store, policies, page, now)
        return recorded

    async def _sweep_page(self, store: CaseStore, policies: Policies, page: list[tuple[Case, Timeline]],
                          now: float) -> list[tuple[int, ClockKind, str]]:
        recorded = []
        for case, timeline in page:
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


