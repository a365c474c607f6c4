"""``onduty-server report``: a queue's figures per day and hour (:mod:`onduty.server.core.reports`).

Hooked into :mod:`onduty.server.cli`; bad input is a UsageError there (one line, exit 2).
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from onduty.server.core.reports import ChatFacts, Row, report
from onduty.server.store import Store


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: give a date as YYYY-MM-DD") from None


def add_report_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser],
                      common: argparse.ArgumentParser, queue_name: Callable[[str], str]) -> None:
    p = sub.add_parser("report", parents=[common], help="a queue's requests, waits, service level and alerts per day "
                                                        "and hour")
    p.add_argument("--queue", required=True, type=queue_name)
    p.add_argument("--from", dest="first", required=True, type=_date, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, type=_date, metavar="YYYY-MM-DD", help="inclusive")
    p.add_argument("--tz", default=None, help="time zone of the days and hours (default: the queue's staffed "
                                              "hours' zone, else UTC)")
    p.add_argument("--target-s", type=float, default=20.0, help="answered within this counts (default 20)")
    p.add_argument("--service-level", type=float, default=0.8, help="goal for the advised agents (default 0.8)")
    p.add_argument("--csv", action="store_true", help="CSV with a header line")


async def report_rows(args: argparse.Namespace, store: Store) -> tuple[list[Row], str]:
    """The rows and the time zone used; ValueError for input that cannot be reported."""
    if await store.get_queue(args.queue) is None:
        raise ValueError(f"no queue {args.queue}")
    if args.last < args.first:
        raise ValueError("--to is before --from")
    if (args.last - args.first).days > 366:
        raise ValueError("report at most 367 days at a time")
    if not 0 < args.service_level < 1 or args.target_s < 0:
        raise ValueError("--service-level is a fraction between 0 and 1, --target-s 0 or more")
    tz = args.tz or (await store.staffed_hours()).get(args.queue, ("", "UTC"))[1]
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {tz!r}") from None
    since = datetime.combine(args.first, time(0), zone).timestamp()
    until = datetime.combine(args.last + timedelta(days=1), time(0), zone).timestamp()
    chats = [ChatFacts(c.requested_at, c.assigned_at, c.ended_at)
             for c in await store.chats_requested(args.queue, since, until)]
    callbacks = await store.callbacks_created(args.queue, since, until)
    alerts = [(a.started_at, a.ended_at if a.ended_at is not None else until)
              for a in await store.alerts([args.queue], since, until)]
    return report(chats, callbacks, alerts, args.first, args.last, tz, args.target_s, args.service_level), tz


def report_text(rows: list[Row], as_csv: bool, queue: str, tz: str) -> str:
    if as_csv:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(Row.COLUMNS)
        writer.writerows(row.cells() for row in rows)
        return out.getvalue().rstrip("\n")
    lines = [f"queue {queue}, days and hours in {tz}", "\t".join(Row.COLUMNS)]
    lines += ["\t".join(row.cells()) for row in rows]
    return "\n".join(lines)
