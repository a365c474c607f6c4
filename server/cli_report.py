"""``onduty-server report``: a queue's figures per day and hour (:mod:`onduty.server.core.reports`).

Hooked into :mod:`onduty.server.cli`; bad input is a UsageError there (one line, exit 2).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date

from onduty.server.core.reports import Row
from onduty.server.shell.queue_reports import queue_report, report_csv
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
    p.add_argument("--target-s", type=float, default=None,
                   help="answered within this counts (default: the queue's goal, else 20)")
    p.add_argument("--service-level", type=float, default=None,
                   help="goal for the advised agents (default: the queue's goal, else 0.8)")
    p.add_argument("--csv", action="store_true", help="CSV with a header line")


async def report_rows(args: argparse.Namespace, store: Store) -> tuple[list[Row], str]:
    """The rows and the time zone used; ValueError for input that cannot be reported."""
    if args.last < args.first:
        raise ValueError("--to is before --from")
    if (args.last - args.first).days > 366:
        raise ValueError("report at most 367 days at a time")
    return await queue_report(store, args.queue, args.first, args.last, args.tz, args.target_s, args.service_level)


def report_text(rows: list[Row], as_csv: bool, queue: str, tz: str) -> str:
    if as_csv:
        return report_csv(rows).rstrip("\n")
    lines = [f"queue {queue}, days and hours in {tz}", "\t".join(Row.COLUMNS)]
    lines += ["\t".join(row.cells()) for row in rows]
    return "\n".join(lines)
