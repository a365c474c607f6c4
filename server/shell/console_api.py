"""The console's HTTP reads beside its live feed: the last 24 hours of a queue (charts) and report downloads.

``GET /console/api/history?queue=Q``: JSON, the queue's last 24 clock hours (docs/console.md);
``GET /console/api/report?queue=Q&from=YYYY-MM-DD&to=YYYY-MM-DD``: the CSV of ``onduty-server report --csv``
as a download. Both need the console's session cookie (SameSite=Strict, so another site's page cannot send
it) and a role that may supervise the queue, read from the store on every request.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import date
from enum import StrEnum

from aiohttp import web

from onduty.server.config import ServerConfig
from onduty.server.core.roles import may_supervise
from onduty.server.shell.console_auth import console_user
from onduty.server.shell.console_figures import ConsoleFigures
from onduty.server.shell.http_api import Refused, refused
from onduty.server.shell.queue_reports import queue_report, report_csv
from onduty.server.shell.staffing_watch import STAFFING_WATCH
from onduty.server.shell.wiring import Shell
from onduty.server.store import StoreError

log = logging.getLogger(__name__)
CONSOLE_FIGURES = web.AppKey("console_figures", ConsoleFigures)
MAX_REPORT_DAYS = 92
"""A download covers at most this many days (the CLI: a year)."""


def add_console_api(app: web.Application, config: ServerConfig, shell_of: Callable[[web.Application], Shell]) -> None:
    """The figures (after the staffing watch, whose time zones they use) and the two routes."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        shell, watch = shell_of(app), app[STAFFING_WATCH]
        app[CONSOLE_FIGURES] = ConsoleFigures(shell.store, shell.clock, lambda q: watch.hours(q).tz,
                                              config.console_figures_s)
        yield

    async def supervised_queue(request: web.Request) -> tuple[Shell, str]:
        shell = shell_of(request.app)
        agent = await console_user(request, shell)
        if agent is None:
            raise _error(401, ConsoleApiError.NOT_AUTHENTICATED, "sign in to the console first")
        queue = request.query.get("queue", "")
        if not queue or queue not in {q.name for q in shell.queues.records()}:
            raise _error(404, ConsoleApiError.UNKNOWN_QUEUE, f"no queue {queue[:64]!r}")
        if not may_supervise(agent.role, agent.supervises, queue):
            raise _error(403, ConsoleApiError.NOT_ALLOWED, f"you do not supervise {queue}")
        return shell, queue

    async def history(request: web.Request) -> web.Response:
        _shell, queue = await supervised_queue(request)
        day = await request.app[CONSOLE_FIGURES].day(queue)
        if day is None:
            raise _error(503, ConsoleApiError.UNAVAILABLE, "the store cannot be read now; try again")
        hours = [{"start": h.start, "requests": h.row.requests, "answered": h.row.answered,
                  "dropped": h.row.dropped, "wait_p50_s": h.row.wait_p50_s, "wait_p90_s": h.row.wait_p90_s,
                  "service_level": h.row.service_level, "advised_agents": h.row.advised_agents,
                  "on_duty_max": h.row.on_duty_max} for h in day.hours]
        return web.json_response({"queue": queue, "tz": day.tz, "target_s": day.goal.target_s, "goal": day.goal.level,
                                  "read_at": day.read_at, "hours": hours}, headers={"Cache-Control": "no-store"})

    async def report(request: web.Request) -> web.Response:
        shell, queue = await supervised_queue(request)
        try:
            first = date.fromisoformat(request.query.get("from", ""))
            last = date.fromisoformat(request.query.get("to", ""))
        except ValueError:
            raise _error(400, ConsoleApiError.BAD_REQUEST, "give from and to as YYYY-MM-DD") from None
        if last < first:
            raise _error(400, ConsoleApiError.BAD_REQUEST, "to is before from")
        if (last - first).days >= MAX_REPORT_DAYS:
            raise _error(400, ConsoleApiError.BAD_REQUEST, f"download at most {MAX_REPORT_DAYS} days at a time")
        try:
            rows, _tz = await queue_report(shell.store, queue, first, last)
        except StoreError as exc:
            raise _error(503, ConsoleApiError.UNAVAILABLE, f"the store cannot be read now: {exc}") from None
        name = f"onduty-{queue}-{first.isoformat()}-{last.isoformat()}.csv"
        return web.Response(text=report_csv(rows), content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"',
                                     "Cache-Control": "no-store"})

    app.cleanup_ctx.append(ctx)
    app.router.add_get("/console/api/history", history)
    app.router.add_get("/console/api/report", report)


class ConsoleApiError(StrEnum):
    NOT_AUTHENTICATED = "not_authenticated"
    UNKNOWN_QUEUE = "unknown_queue"
    NOT_ALLOWED = "not_allowed"
    BAD_REQUEST = "bad_request"
    UNAVAILABLE = "unavailable"


def _error(status: int, code: ConsoleApiError, detail: str) -> Refused:
    log.info("console request refused", extra={"code": code.value, "detail": detail})
    return refused(status, code, detail, {"Cache-Control": "no-store"})
