"""A queue's report read from the store (:mod:`onduty.server.core.reports`): for ``onduty-server report`` and
the console's CSV download, measured against the queue's service-level goal unless told otherwise."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onduty.server.core.reports import ChatFacts, Row, report
from onduty.server.core.service_goal import DEFAULT_LEVEL, DEFAULT_TARGET_S, ServiceGoal, service_goal
from onduty.server.store import Store


async def queue_goal(store: Store, queue: str) -> ServiceGoal:
    """The queue's service-level goal as set (``queue goal``), else the default."""
    return ServiceGoal(*(await store.service_goals()).get(queue, (DEFAULT_TARGET_S, DEFAULT_LEVEL)))


async def queue_report(store: Store, queue: str, first: date, last: date, tz: str | None = None,
                       target_s: float | None = None, level: float | None = None) -> tuple[list[Row], str]:
    """A queue's rows from ``first`` to ``last`` (local days of ``tz``, default the queue's staffed-hours zone),
    measured against ``target_s`` and ``level`` (default the queue's goal); ValueError for what cannot be."""
    if await store.get_queue(queue) is None:
        raise ValueError(f"no queue {queue}")
    goal = await queue_goal(store, queue)
    try:
        goal = service_goal(goal.target_s if target_s is None else target_s, goal.level if level is None else level)
    except ValueError as exc:
        raise ValueError(f"{exc} (--target-s, --service-level)") from None
    tz = tz or (await store.staffed_hours()).get(queue, ("", "UTC"))[1]
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None
    since = datetime.combine(first, time(0), zone).timestamp()
    until = datetime.combine(last + timedelta(days=1), time(0), zone).timestamp()
    chats = [ChatFacts(c.requested_at, c.assigned_at, c.ended_at)
             for c in await store.chats_requested(queue, since, until)]
    callbacks = await store.callbacks_created(queue, since, until)
    alerts = [(a.started_at, a.ended_at if a.ended_at is not None else until)
              for a in await store.alerts([queue], since, until)]
    duty = {at: on_duty for at, (on_duty, _routable) in (await store.duty_hours(queue, since, until)).items()}
    return report(chats, callbacks, alerts, first, last, tz, goal.target_s, goal.level, duty), tz


def report_csv(rows: list[Row]) -> str:
    """The rows as CSV with a header line (``report --csv`` and the console's download)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(Row.COLUMNS)
    writer.writerows(row.cells() for row in rows)
    return out.getvalue()
