"""``onduty-server sla ...``: business hours per region, holidays and response-time targets per queue.

Hooked into :mod:`onduty.server.cli`; bad values are reported as :class:`ConfigError` (one line, exit 2).
"""

from __future__ import annotations

import argparse
from datetime import date

from onduty.server.config import ConfigError
from onduty.server.core.cases import Priority
from onduty.server.core.sla import ALWAYS, DEFAULT_TARGETS, BusinessHours, ClockKind, SlaConfigError, Target, Unit
from onduty.server.core.sla import parse_weekly as _parse_weekly
from onduty.server.inbound import argument
from onduty.server.store.base_cases import CaseStore

_LINE = argument()  # every free-text argument is checked like text from HTTP (server/inbound.py)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r}: use YYYY-MM-DD") from exc


def add_sla_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    sla = sub.add_parser("sla", parents=[common], help="case response times: business hours, holidays, targets")
    actions = sla.add_subparsers(dest="action", required=True)
    hours = actions.add_parser("hours", parents=[common], help="set a region's business hours")
    hours.add_argument("region", type=_LINE, help="queue region, e.g. EMEA")
    hours.add_argument("weekly", nargs="?", default="", type=_LINE, help='e.g. "mon-fri 09:00-17:00; sat 10:00-14:00"')
    hours.add_argument("--tz", default="UTC", type=_LINE, help="time zone, e.g. Europe/Berlin")
    hours.add_argument("--24x7", dest="always", action="store_true", help="every second counts")
    hadd = actions.add_parser("holiday-add", parents=[common], help="add a holiday to a region")
    hadd.add_argument("region", type=_LINE)
    hadd.add_argument("day", type=_day)
    hadd.add_argument("--name", default="", type=_LINE)
    hrm = actions.add_parser("holiday-remove", parents=[common], help="remove a holiday")
    hrm.add_argument("region", type=_LINE)
    hrm.add_argument("day", type=_day)
    target = actions.add_parser("target", parents=[common], help="set a target for a queue ('*': every queue)")
    target.add_argument("queue", type=_LINE)
    target.add_argument("clock", choices=[c.value for c in ClockKind])
    target.add_argument("priority", choices=[p.value for p in Priority])
    target.add_argument("amount", type=float)
    target.add_argument("--business-days", action="store_true", help="amount in business days, not hours")
    show = actions.add_parser("show", parents=[common], help="what applies to a queue")
    show.add_argument("queue", type=_LINE)


async def sla_command(args: argparse.Namespace, store: CaseStore) -> None:
    try:
        await _run(args, store)
    except SlaConfigError as exc:
        raise ConfigError(str(exc)) from exc


async def _run(args: argparse.Namespace, store: CaseStore) -> None:
    match args.action:
        case "hours":
            if args.always:
                hours = ALWAYS
            elif not args.weekly:
                raise SlaConfigError("give the weekly hours or --24x7")
            else:
                hours = BusinessHours(tz=args.tz, weekly=_parse_weekly(args.weekly))
            await store.set_hours(args.region, hours)
            print(f"{args.region}: {hours.describe()}")
        case "holiday-add":
            await store.add_holiday(args.region, args.day, args.name)
            print(f"{args.region}: {args.day.isoformat()} is a holiday")
        case "holiday-remove":
            if not await store.remove_holiday(args.region, args.day):
                raise SlaConfigError(f"{args.region} has no holiday on {args.day.isoformat()}")
            print(f"{args.region}: {args.day.isoformat()} removed")
        case "target":
            unit = Unit.BUSINESS_DAYS if args.business_days else Unit.HOURS
            t = Target(args.amount, unit)
            await store.set_target(args.queue, ClockKind(args.clock), Priority(args.priority), t)
            print(f"{args.queue} {args.clock} {args.priority}: {t.describe()}")
        case "show":
            await _show(args.queue, store)
        case _:
            raise SlaConfigError(f"unknown action {args.action}")


async def _show(queue: str, store: CaseStore) -> None:
    hours, targets = await store.sla_settings(queue)
    print(f"hours: {hours.describe()}")
    for day in sorted(hours.holidays):
        print(f"holiday: {day.isoformat()}")
    for (clock, priority), default in DEFAULT_TARGETS.items():
        t = targets.get((clock, priority), default)
        print(f"{clock.value}\t{priority.value}\t{t.describe()}{'' if (clock, priority) in targets else ' (default)'}")
