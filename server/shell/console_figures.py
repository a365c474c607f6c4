"""What the console shows of a queue's day, read from the store: today's figures, answers per agent, the last 24 h.

The live picture is pushed every second, but these figures come from the stored chats, so they are read
again at most every ``console_figures_s`` per queue (one query for the day and the last 24 hours together)
and shared by every supervisor watching that queue. Days and hours are local to the queue's staffed hours'
time zone; everything is measured against the queue's service-level goal (``onduty-server queue goal``).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from onduty.server.core.reports import ChatFacts, RecentHour, recent_hours, report
from onduty.server.core.service_goal import ServiceGoal
from onduty.server.core.staffing import agents_needed
from onduty.server.shell.queue_reports import queue_goal
from onduty.server.store import Store, StoreError
from onduty.shared.types import ConsoleToday

log = logging.getLogger(__name__)

DAY_HOURS = 24


@dataclass(frozen=True, slots=True)
class QueueDay:
    """One reading of a queue's day."""

    read_at: float
    tz: str
    goal: ServiceGoal
    today: ConsoleToday
    answered_by: dict[str, int]
    """Today's answered chats per agent (the agent who holds or last held each)."""
    hours: list[RecentHour]
    """The last 24 clock hours, oldest first, the current one so far."""


class ConsoleFigures:
    def __init__(self, store: Store, clock: Callable[[], float], tz_of: Callable[[str], str],
                 refresh_s: float) -> None:
        self._store = store
        self._clock = clock
        self._tz_of = tz_of
        self._refresh_s = refresh_s
        self._days: dict[str, QueueDay] = {}
        self._reading: dict[str, asyncio.Task[QueueDay]] = {}

    def known(self, queue: str) -> QueueDay | None:
        """The last reading of ``queue`` (None before the first)."""
        return self._days.get(queue)

    async def day(self, queue: str) -> QueueDay | None:
        """The queue's day, read again when the last reading is older than ``console_figures_s``; the last reading
        (or None) while the store cannot be read. Several supervisors asking at once share one read."""
        known = self._days.get(queue)
        if known is not None and self._clock() - known.read_at < self._refresh_s and known.tz == self._tz_of(queue):
            return known
        task = self._reading.get(queue)
        if task is None:
            task = self._reading[queue] = asyncio.get_running_loop().create_task(self._read(queue))
            task.add_done_callback(lambda _t: self._reading.pop(queue, None))
        try:
            day = await asyncio.shield(task)
        except StoreError as exc:
            log.warning("console figures not read", extra={"queue": queue, "error": str(exc)})
            return known
        except Exception:  # our bug: logged; the live picture goes on without new figures
            log.exception("console figures failed", extra={"queue": queue})
            return known
        self._days[queue] = day
        return day

    async def _read(self, queue: str) -> QueueDay:
        now, tz = self._clock(), self._tz_of(queue)
        goal = await queue_goal(self._store, queue)
        zone = ZoneInfo(tz)
        today = datetime.fromtimestamp(now, zone).date()
        midnight = datetime.combine(today, datetime.min.time(), zone).timestamp()
        since = min(midnight, now - DAY_HOURS * 3600.0)
        records = await self._store.chats_requested(queue, since, now + 1.0)
        facts = [ChatFacts(c.requested_at, c.assigned_at, c.ended_at) for c in records]
        todays = [f for f in facts if f.requested_at >= midnight]
        row = report(todays, [], [], today, today, tz, goal.target_s, goal.level)[0]
        last_hour = sum(1 for f in facts if f.requested_at >= now - 3600.0)
        advised = None
        if last_hour and row.handle_mean_s:
            advised = agents_needed(last_hour, row.handle_mean_s, goal.target_s, goal.level).agents
        answered_by = Counter(c.agent for c in records
                              if c.agent is not None and c.assigned_at is not None and c.requested_at >= midnight)
        figures = ConsoleToday(requests=row.requests, answered=row.answered, dropped=row.dropped,
                               target_s=goal.target_s, goal=goal.level, service_level=row.service_level,
                               handle_mean_s=row.handle_mean_s, wait_p90_s=row.wait_p90_s, advised_agents=advised,
                               arrivals_last_hour=last_hour)
        seen = await self._store.duty_hours(queue, since - 3600.0, now + 1.0)
        duty = {at: on_duty for at, (on_duty, _routable) in seen.items()}
        return QueueDay(now, tz, goal, figures, dict(answered_by),
                        recent_hours(facts, now, tz, goal.target_s, goal.level, DAY_HOURS, duty))
