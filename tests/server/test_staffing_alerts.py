"""Staffing alerts on a running server: the last agent of a queue goes Off Duty -> its agents, its
supervisors and a webhook hear of it at once; it clears when someone is On Duty again; it is stored."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from onduty.server.core.roles import StaffRole
from onduty.server.shell.staffing_watch import STAFFING_WATCH, StaffingWatch
from onduty.server.store import open_store
from onduty.server.store.url import default_url
from onduty.shared.messages import AgentStatus, Login, LoginOk, SetDuty, StaffingAlert
from onduty.shared.types import AlertKind

from .conftest import agent_on_duty
from .harness import PASSWORD, Harness, Wire


class Receiver:
    """A loopback HTTP server that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        self.bodies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self.server = TestServer(app, host="127.0.0.1", port=0)

    async def _hook(self, request: web.Request) -> web.Response:
        assert request.headers["Content-Type"] == "application/json"
        await self.bodies.put(json.loads(await request.text()))
        return web.Response(status=204)

    async def next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.bodies.get(), 5)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.server.start_server()
    yield r
    await r.server.close()


@pytest.fixture
async def alerting(tmp_path: Path, receiver: Receiver) -> AsyncIterator[Harness]:
    h = Harness(tmp_path / "data", staffing_webhook_url=str(receiver.server.make_url("/hook")),
                staffing_check_interval_s=3600.0)
    await h.seed()
    store = open_store(default_url(h.config), h.config)
    await store.open()
    await store.set_role("carl", StaffRole.SUPERVISOR, ["cim-emea"])
    await store.set_staffed_hours("shop-b2b", "off", "UTC")
    await store.close()
    await h.start()
    yield h
    await h.close()


def watch(h: Harness) -> StaffingWatch:
    assert h.app is not None
    return h.app[STAFFING_WATCH]


async def signed_in(h: Harness, username: str) -> Wire:
    wire = await h.connect("/ws/agent")
    await wire.send(Login(username=username, password=PASSWORD))
    await wire.expect(LoginOk)
    return wire


async def test_last_agent_off_duty_alerts_agents_supervisors_and_webhook(alerting: Harness,
                                                                         receiver: Receiver) -> None:
    h = alerting
    ann, _ = await agent_on_duty(h, "ann")
    bob = await signed_in(h, "bob")  # signed in, Off Duty
    carl = await signed_in(h, "carl")  # in queue cic, supervisor of cim-emea
    await h.advance(61)  # past the start's quiet period: cic (carl Off Duty) opens, cim-emea has ann
    watch(h).check()
    cic = await receiver.next()
    assert (cic["queue"], cic["active"]) == ("cic", True)
    assert watch(h).open.keys() == {"cic"}  # cim-emea has ann On Duty; shop-b2b is never staffed

    await ann.send(SetDuty(on_duty=False))  # the last one of cim-emea
    await ann.until(AgentStatus, lambda s: not s.on_duty)
    for wire in (ann, bob, carl):
        alert = await wire.until(StaffingAlert, lambda m: m.queue == "cim-emea")
        assert (alert.kind, alert.active, alert.text) == (AlertKind.NOBODY_ON_DUTY, True,
                                                          "CIM EMEA has nobody on duty")
        assert alert.started_at == h.clock.now
    hook = await receiver.next()
    assert hook == {"queue": "cim-emea", "title": "CIM EMEA", "kind": "nobody_on_duty", "active": True,
                    "started_at": h.clock.now, "ended_at": None, "text": "CIM EMEA has nobody on duty",
                    "alert_id": hook["alert_id"]}
    started = h.clock.now

    h.clock.advance(90)
    await bob.send(SetDuty(on_duty=True))
    for wire in (ann, bob, carl):
        cleared = await wire.until(StaffingAlert, lambda m: m.queue == "cim-emea" and not m.active)
        assert (cleared.ended_at, cleared.text) == (started + 90, "CIM EMEA has someone on duty again")
    assert (await receiver.next())["active"] is False
    await watch(h).drain()
    stored = await h.shell.store.alerts(["cim-emea"], 0, h.clock.now + 1)
    assert [(a.kind, a.started_at, a.ended_at) for a in stored] == [("nobody_on_duty", started, started + 90)]
    assert stored[0].duration_s(h.clock.now) == 90


async def test_an_alert_survives_a_restart_and_clears_afterwards(alerting: Harness, receiver: Receiver) -> None:
    h = alerting
    await h.advance(61)
    watch(h).check()
    await watch(h).drain()
    opened = {a.queue: a for a in await h.shell.store.open_alerts()}
    assert opened.keys() == {"cim-emea", "cic"}
    await h.stop()
    await h.start()  # picked up from the store, not opened again
    assert watch(h).open["cim-emea"].alert_id == opened["cim-emea"].alert_id
    h.clock.advance(5)
    ann, _ = await agent_on_duty(h, "ann")
    cleared = await ann.until(StaffingAlert, lambda m: m.queue == "cim-emea")
    assert (cleared.active, cleared.alert_id) == (False, opened["cim-emea"].alert_id)
    await watch(h).drain()
    (stored,) = await h.shell.store.alerts(["cim-emea"], 0, h.clock.now + 1)
    assert stored.ended_at == h.clock.now


async def test_the_alert_is_mailed_when_an_address_is_set(tmp_path: Path) -> None:
    h = Harness(tmp_path / "data", staffing_alert_email="leads@example.com", staffing_check_interval_s=3600.0)
    await h.seed()
    await h.start()
    try:
        await h.advance(61)
        watch(h).check()
        await watch(h).drain()
        mails = sorted((h.config.outbox_dir).glob("*.eml"))
        texts = [m.read_text(encoding="utf-8") for m in mails]
        assert any("Subject: OnDuty: CIM EMEA has nobody on duty" in t and "leads@example.com" in t for t in texts)
    finally:
        await h.close()
