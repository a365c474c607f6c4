"""IRT / ORT clocks as the agent reads them, and the tray's SLA warnings (no Qt here).

The server computes each clock in business time and says when its target is reached (``due_at``)
if it keeps running. Between two reads the app counts down to that instant on the local clock,
which is exact: the calendar is already in ``due_at``. :class:`SlaPoller` asks the server every
minute for the cases of my queues that near or passed a breach and raises one notification per case,
clock and kind (warning, breach) for the life of the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Protocol

from onduty.client.net.cases import (
    CaseList,
    CasesError,
    CaseState,
    CaseSummary,
    ClockKind,
    ClockStatus,
    Scope,
    SlaClock,
    SlaFilter,
)

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Notify = Callable[[str, str], None]

POLL_INTERVAL_S = 60.0
CLOCK_NAMES = {ClockKind.IRT: "IRT", ClockKind.ORT: "ORT"}
CLOCK_TITLES = {ClockKind.IRT: "Initial response (IRT)", ClockKind.ORT: "Ongoing response (ORT)"}


class Level(Enum):
    """How urgent a clock looks; the views colour by it."""

    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    IDLE = "idle"
    """Paused or stopped in time."""


LEVEL_COLOURS = {Level.OK: "#1e7a34", Level.WARNING: "#a15c00", Level.BREACHED: "#b3261e", Level.IDLE: "#5f6368"}


def duration_text(seconds: float) -> str:
    """``3 d 2 h``, ``2 h 05 min``, ``9 min``, ``45 s`` (rounded down, never negative)."""
    s = max(0, int(seconds))
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def when_text(at: float, now: float) -> str:
    """An instant, with the date only when it is not today."""
    moment, today = datetime.fromtimestamp(at), datetime.fromtimestamp(now)
    return moment.strftime("%H:%M") if moment.date() == today.date() else moment.strftime("%a %d %b %H:%M")


@dataclass(frozen=True, slots=True)
class ClockView:
    level: Level
    text: str
    detail: str
    """Business-time figures, for a tooltip."""


def clock_view(clock: SlaClock, now: float) -> ClockView:
    """What a clock shows at ``now`` (the local countdown to ``due_at`` while it runs)."""
    detail = (f"{duration_text(clock.elapsed_s)} of {duration_text(clock.target_s)} business time used, "
              f"{duration_text(clock.remaining_s)} left" if clock.remaining_s > 0 else
              f"{duration_text(clock.elapsed_s)} business time used, target {duration_text(clock.target_s)}")
    breached_at = clock.breached_at
    if clock.status is ClockStatus.RUNNING and breached_at is None and clock.due_at is not None \
            and now >= clock.due_at:
        breached_at = clock.due_at  # passed since the last read
    if clock.status is ClockStatus.RUNNING:
        if breached_at is not None:
            return ClockView(Level.BREACHED, f"breached {duration_text(now - breached_at)} ago", detail)
        if clock.due_at is None:
            return ClockView(Level.OK, f"{duration_text(clock.remaining_s)} left", detail)
        level = Level.WARNING if clock.warning else Level.OK
        return ClockView(level, f"due in {duration_text(clock.due_at - now)} ({when_text(clock.due_at, now)})",
                         detail)
    if clock.status is ClockStatus.PAUSED:
        if breached_at is not None:
            return ClockView(Level.BREACHED, "paused, breached", detail)
        return ClockView(Level.IDLE, f"paused (awaiting the customer), {duration_text(clock.remaining_s)} left",
                         detail)
    if breached_at is not None:
        return ClockView(Level.BREACHED, "stopped, breached", detail)
    return ClockView(Level.IDLE, f"met after {duration_text(clock.elapsed_s)}", detail)


def case_level(case: CaseSummary, now: float) -> Level:
    levels = {clock_view(c, now).level for c in case.clocks}
    for level in (Level.BREACHED, Level.WARNING, Level.OK):
        if level in levels:
            return level
    return Level.IDLE


# ---- tray warnings -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlaAlert:
    number: int
    clock: ClockKind
    breached: bool
    title: str
    text: str


def same_name(queue: str) -> str:
    """A queue named by its name (before its title is known)."""
    return queue


class SlaAlerts:
    """Which SLA warnings and breaches were already shown: each once per case, clock and kind."""

    def __init__(self) -> None:
        self._seen: set[tuple[int, ClockKind, bool]] = set()

    def new(self, cases: Iterable[CaseSummary], me: str, now: float,
            queue_title: Callable[[str], str] = same_name) -> list[SlaAlert]:
        out = []
        for case in cases:
            if case.state not in (CaseState.NEW, CaseState.IN_PROCESS, CaseState.AWAITING_INFO):
                continue
            for clock in case.clocks:
                breached = clock.breached
                if not breached and not clock.warning:
                    continue
                key = (case.number, clock.kind, breached)
                if key in self._seen:
                    continue
                self._seen.add(key)
                out.append(alert_of(case, clock, me, now, queue_title))
        return out


def alert_of(case: CaseSummary, clock: SlaClock, me: str, now: float,
             queue_title: Callable[[str], str] = same_name) -> SlaAlert:
    name = CLOCK_NAMES[clock.kind]
    if clock.breached_at is not None:
        title = f"Case {case.number}: {name} breached"
        when = f"{name} target passed {duration_text(now - clock.breached_at)} ago"
    else:
        title = f"Case {case.number}: {name} breach soon"
        due = f"due in {duration_text(clock.due_at - now)}" if clock.due_at is not None else "due soon"
        when = f"{name} {due}"
    owner = f", owner {case.owner}" if case.owner else ", no owner"
    whose = "your case" if case.owner == me else f"queue {queue_title(case.queue)}{owner}"
    return SlaAlert(case.number, clock.kind, clock.breached, title, f"{case.title}\n{when} · {whose}")


POLL_LIMIT = 500
"""The most the API lists; it limits to the newest cases before it filters by SLA, so ask for all it gives."""


class CaseLister(Protocol):
    async def list_cases(self, *, scope: Scope = ..., sla: SlaFilter | None = ..., limit: int = ...) -> CaseList: ...


class SlaPoller:
    """Every ``interval_s``: the open cases of my queues with an SLA warning or breach -> ``notify`` new ones.

    ``me`` is read at each poll (the signed-in username). ``sleep`` and ``clock`` are injected for tests;
    :meth:`poll_once` does one round without waiting.
    """

    def __init__(self, cases: CaseLister, me: Callable[[], str], notify: Notify, *,
                 interval_s: float = POLL_INTERVAL_S, clock: Clock = time.time, sleep: Sleep = asyncio.sleep,
                 queue_title: Callable[[str], str] = same_name) -> None:
        self._cases = cases
        self._queue_title = queue_title
        self._me = me
        self._notify = notify
        self.interval_s = interval_s
        self._clock = clock
        self._sleep = sleep
        self._alerts = SlaAlerts()
        self._task: asyncio.Task[None] | None = None
        self.last_error = ""

    async def poll_once(self) -> list[SlaAlert]:
        try:
            found = await self._cases.list_cases(scope=Scope.QUEUES, sla=SlaFilter.ANY, limit=POLL_LIMIT)
        except CasesError as exc:
            if str(exc) != self.last_error:
                log.warning("SLA poll failed: %s", exc)
            self.last_error = str(exc)
            return []
        self.last_error = ""
        alerts = self._alerts.new(found.cases, self._me(), self._clock(), self._queue_title)
        for alert in alerts:
            self._notify(alert.title, alert.text)
        return alerts

    async def run(self) -> None:
        while True:
            await self.poll_once()
            await self._sleep(self.interval_s)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._task = asyncio.ensure_future(self.run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
