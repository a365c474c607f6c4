"""Staffing alerts: watches every queue with the pure rule of :mod:`onduty.server.core.staffing_alerts`.

It looks at a queue as soon as routing changes its staffing (``agent_status`` / ``queue_status`` decisions,
through ``Supervision.listeners``) and every ``staffing_check_interval_s`` (staffed hours begin and end, delays
run out); each look also tells :class:`~.duty_hours.DutyHours` how many agents are On Duty. An alert that
opens or clears is stored, told to the queue's signed-in agents and supervisors (``staffing_alert``), POSTed
to ``staffing_webhook_url`` and mailed to ``staffing_alert_email`` when set. Changes are carried out one at a
time in order (each waits for the one before), so a store write never races the next one.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from aiohttp import web

from onduty.server.config import ServerConfig
from onduty.server.core.decisions import AgentStatusChanged, Decision, QueueStatusChanged
from onduty.server.core.roles import may_supervise
from onduty.server.core.staffed_hours import ALWAYS, HoursError, StaffedHours, parse_hours
from onduty.server.core.staffing_alerts import (
    AlertPolicy,
    Change,
    Opened,
    QueueWatch,
    alert_text,
    cleared_text,
    look,
)
from onduty.server.shell.duty_hours import DutyHours
from onduty.server.shell.mailer import Mail, Mailer
from onduty.server.shell.wiring import Shell
from onduty.server.store import StoreError
from onduty.shared.messages import StaffingAlert
from onduty.shared.types import AlertKind

log = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_S = 5.0
HOURS_RELOAD_S = 60.0
"""Staffed hours are read from the store again this often (``onduty-server queue hours`` while running)."""


@dataclass(frozen=True, slots=True)
class OpenAlert:
    """An alert as the console shows it."""

    alert_id: int
    queue: str
    title: str
    kind: AlertKind
    started_at: float
    text: str


class StaffingWatch:
    def __init__(self, shell: Shell, session: Callable[[], aiohttp.ClientSession] | None = None) -> None:
        self._shell = shell
        self._config: ServerConfig = shell.config
        self._hours: dict[str, StaffedHours] = {}
        self._watches: dict[str, QueueWatch] = {}
        self._ids: dict[str, int] = {}
        self._tail: asyncio.Task[None] | None = None
        """The last change being carried out; each change's task waits for the one before it."""
        self._stopped = False
        self._timer: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reload: asyncio.Task[None] | None = None
        self._reloaded = 0.0
        self._pending: asyncio.Handle | None = None
        self._session = session
        self._quiet_until = shell.clock() + shell.config.agent_grace_s
        self.open: dict[str, OpenAlert] = {}
        """The open alert of each queue that has one."""
        self.listeners: list[Callable[[StaffingAlert], None]] = []
        """Told every alert as it opens or clears (the console)."""
        self.duty = DutyHours(shell)
        """The most agents On Duty per queue and hour, told at every look."""

    # --- lifecycle ----------------------------------------------------------------------------

    async def load(self) -> None:
        """Staffed hours and the alerts still open from before a restart (picked up, not repeated)."""
        await self.reload_hours()
        titles = {q.name: q.title or q.name for q in self._shell.queues.records()}
        for alert in await self._shell.store.open_alerts():
            kind = AlertKind(alert.kind)
            self._watches[alert.queue] = QueueWatch({kind: alert.started_at}, kind, alert.started_at)
            self._ids[alert.queue] = alert.alert_id
            title = titles.get(alert.queue, alert.queue)
            self.open[alert.queue] = OpenAlert(alert.alert_id, alert.queue, title, kind, alert.started_at,
                                               alert_text(kind, title))

    async def reload_hours(self) -> None:
        hours = {}
        for queue, (spec, tz) in (await self._shell.store.staffed_hours()).items():
            try:
                hours[queue] = parse_hours(spec, tz)
            except HoursError as exc:  # stored by an older or newer release: watch it 24x7 rather than not at all
                log.error("staffed hours unreadable, watching 24x7", extra={"queue": queue, "error": str(exc)})
        self._hours = hours

    def hours(self, queue: str) -> StaffedHours:
        return self._hours.get(queue, ALWAYS)

    def observe(self, d: Decision) -> None:
        """A routing decision: look at the queues again soon (once per event-loop turn)."""
        if isinstance(d, AgentStatusChanged | QueueStatusChanged) and self._pending is None:
            self._pending = self._event_loop().call_soon(self._look_soon)

    def _look_soon(self) -> None:
        self._pending = None
        self.check()

    def start(self) -> None:
        """Look every ``staffing_check_interval_s`` (a timer, no task) until :meth:`stop`."""
        loop = self._loop = asyncio.get_running_loop()
        self._reloaded = loop.time()
        self.check()
        self._timer = loop.call_later(self._config.staffing_check_interval_s, self._tick)

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        """The loop the watch was started on (the store's): its work runs there, whoever submitted the event."""
        return self._loop if self._loop is not None else asyncio.get_running_loop()

    def _tick(self) -> None:
        if self._stopped:
            return
        loop = self._event_loop()
        if loop.time() - self._reloaded >= HOURS_RELOAD_S and (self._reload is None or self._reload.done()):
            self._reloaded = loop.time()  # hours changed with the CLI meanwhile
            self._reload = loop.create_task(self._reload_quietly(), name="staffed-hours")
        self.check()
        self._timer = loop.call_later(self._config.staffing_check_interval_s, self._tick)

    async def _reload_quietly(self) -> None:
        try:
            await self.reload_hours()
        except StoreError as exc:
            log.error("staffed hours not read", extra={"error": str(exc)})

    def stop(self) -> None:
        """No more looks (the server is stopping); a change being carried out is cancelled."""
        self._stopped = True
        for handle in (self._pending, self._timer):
            if handle is not None:
                handle.cancel()
        if self._reload is not None and not self._reload.done():
            self._reload.cancel()
        if self._tail is not None and not self._tail.done():
            self._tail.cancel()

    async def drain(self) -> None:
        """Wait until every change found so far is carried out (tests)."""
        while self._tail is not None and not self._tail.done():
            await asyncio.wait([self._tail])

    # --- the rule -----------------------------------------------------------------------------

    def check(self) -> list[tuple[str, Change]]:
        """Look at every queue now (the shell's clock); queue the alerts that open or clear."""
        shell, now = self._shell, self._shell.clock()
        policy_of = self._policy
        found: list[tuple[str, Change]] = []
        if self._stopped:
            return found
        quiet = now < self._quiet_until  # after a start: agents On Duty before it have their grace to reconnect
        for record in shell.queues.records():
            status = shell.routing.queue_status(record.name)
            self.duty.note(record.name, self.hours(record.name).tz, now, status.on_duty, status.routable)
            before = self._watches.get(record.name, QueueWatch())
            if quiet and before.open is None:
                continue  # only alerts from before the restart may change meanwhile (clear)
            watch, changes = look(before, policy_of(record.name), now, status.on_duty, status.routable)
            self._watches[record.name] = watch
            for change in changes:
                title = record.title or record.name
                if isinstance(change, Opened):
                    self.open[record.name] = OpenAlert(0, record.name, title, change.kind, change.at,
                                                       alert_text(change.kind, title))
                else:
                    self.open.pop(record.name, None)
                found.append((record.name, change))
                self._tail = self._event_loop().create_task(self._after(self._tail, record.name, change),
                                                            name="staffing-alert")
        return found

    def _policy(self, queue: str) -> AlertPolicy:
        return AlertPolicy(self.hours(queue), self._config.staffing_alert_after_s,
                           self._config.unroutable_alert_after_s)

    # --- carrying out ---------------------------------------------------------------------------

    async def _after(self, before: asyncio.Task[None] | None, queue: str, change: Change) -> None:
        """Carry out ``change`` once the change before it is done, so that they are stored in order."""
        if before is not None and not before.done():
            await asyncio.wait([before])
        try:
            await self._perform(queue, change)
        except Exception:  # our bug: logged; the next change is still carried out
            log.exception("staffing alert failed", extra={"queue": queue})

    async def _perform(self, queue: str, change: Change) -> None:
        shell = self._shell
        record = next((q for q in shell.queues.records() if q.name == queue), None)
        title = (record.title if record is not None else "") or queue
        if isinstance(change, Opened):
            try:
                alert_id = await shell.store.open_alert(queue, change.kind.value, change.at)
            except StoreError as exc:
                log.error("staffing alert not stored", extra={"queue": queue, "error": str(exc)})
                alert_id = 0
            self._ids[queue] = alert_id
            if (shown := self.open.get(queue)) is not None and shown.alert_id == 0:
                self.open[queue] = OpenAlert(alert_id, queue, shown.title, shown.kind, shown.started_at, shown.text)
            message = StaffingAlert(alert_id=alert_id, queue=queue, title=title, kind=change.kind, active=True,
                                    started_at=change.at, text=alert_text(change.kind, title))
            log.warning("staffing alert", extra={"queue": queue, "kind": change.kind.value, "alert": alert_id})
        else:
            alert_id = self._ids.pop(queue, 0)
            if alert_id:
                try:
                    await shell.store.close_alert(alert_id, change.at)
                except StoreError as exc:
                    log.error("staffing alert end not stored", extra={"queue": queue, "error": str(exc)})
            message = StaffingAlert(alert_id=alert_id, queue=queue, title=title, kind=change.kind, active=False,
                                    started_at=change.started_at, ended_at=change.at,
                                    text=cleared_text(change.kind, title))
            log.info("staffing alert cleared", extra={"queue": queue, "kind": change.kind.value, "alert": alert_id,
                                                      "duration_s": round(change.at - change.started_at, 1)})
        await self._tell(queue, message)

    async def _tell(self, queue: str, message: StaffingAlert) -> None:
        shell = self._shell
        supervisors = [a.username for a in await shell.store.list_agents()
                       if may_supervise(a.role, a.supervises, queue) and shell.presence.is_connected(a.username)]
        shell.delivery.to_agents(dict.fromkeys([*shell.presence.members(queue), *supervisors]), message)
        for listener in self.listeners:
            listener(message)
        if self._config.staffing_webhook_url:
            await self._post(message)
        if self._config.staffing_alert_email:
            mail = Mail(self._config.staffing_alert_email, f"OnDuty: {message.text}",
                        f"{message.text}.\n\nQueue: {message.queue}\nSince: {_utc(message.started_at)}\n"
                        + (f"Until: {_utc(message.ended_at)}\n" if message.ended_at is not None else ""))
            await Mailer(self._config).send(mail, shell.clock())

    async def _post(self, message: StaffingAlert) -> None:
        body = {"queue": message.queue, "title": message.title, "kind": message.kind.value, "active": message.active,
                "started_at": message.started_at, "ended_at": message.ended_at, "text": message.text,
                "alert_id": message.alert_id}
        url = self._config.staffing_webhook_url
        try:
            session = self._session() if self._session is not None else None
            own = session is None
            session = session or aiohttp.ClientSession()
            try:
                async with session.post(url, data=json.dumps(body), headers={"Content-Type": "application/json"},
                                        timeout=aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S)) as response:
                    if response.status >= 300:
                        log.warning("staffing webhook refused", extra={"status": response.status})
            finally:
                if own:
                    await session.close()
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("staffing webhook failed", extra={"error": repr(exc)})


def _utc(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


STAFFING_WATCH = web.AppKey("staffing_watch", StaffingWatch)


def add_staffing_watch(app: web.Application, shell_of: Callable[[web.Application], Shell]) -> None:
    """Start the watch with the app (after the shell)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        shell = shell_of(app)
        watch = app[STAFFING_WATCH] = StaffingWatch(shell)
        await watch.load()
        shell.supervision.listeners.append(watch.observe)
        watch.start()
        yield
        watch.stop()

    app.cleanup_ctx.append(ctx)
