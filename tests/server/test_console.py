"""The supervisor console's sign-in and live feed on loopback: roles checked, cookies strict, origins own."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from onduty.server.core.roles import StaffRole
from onduty.server.core.staffing import agents_needed
from onduty.server.store import open_store
from onduty.server.store.url import default_url
from onduty.shared.errors import CloseCode, ErrorCode
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import (
    ChatAssigned,
    ChatEnded,
    ConsoleLink,
    ConsoleQueue,
    ConsoleState,
    EndChat,
    Error,
    GetConsoleLink,
    Hello,
    Login,
    LoginOk,
    SetDuty,
    SupervisorRole,
    Welcome,
)
from onduty.shared.types import AgentActivity

from .conftest import agent_on_duty, request
from .harness import PASSWORD, Harness, Wire


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[Harness]:
    """carl supervises cim-emea; ann and bob are its agents; dora is an admin (no queue of her own)."""
    h = Harness(tmp_path / "data", agent_grace_s=0.0, console_interval_s=0.05)
    await h.seed()
    store = open_store(default_url(h.config), h.config)
    await store.open()
    await store.set_role("carl", StaffRole.SUPERVISOR, ["cim-emea"])
    await store.close()
    await h.start()
    yield h
    await h.close()


def origin(h: Harness) -> str:
    return h.url("/").rstrip("/")


async def sign_in(h: Harness, session: aiohttp.ClientSession, username: str = "carl",
                  password: str = PASSWORD, own: bool = True) -> aiohttp.ClientResponse:
    headers = {"Origin": origin(h) if own else "https://evil.example"}
    return await session.post(h.url("/console/api/session"), json={"username": username, "password": password},
                              headers=headers)


async def feed(h: Harness, session: aiohttp.ClientSession) -> Wire:
    ws = await session.ws_connect(h.url("/console/ws"), headers={"Origin": origin(h)})
    wire = Wire(ws)
    h.wires.append(wire)
    await wire.send(Hello(protocol=PROTOCOL_VERSION, client="tests"))
    await wire.expect(Welcome)
    return wire


async def test_a_supervisor_signs_in_with_a_strict_http_only_cookie(console: Harness) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        response = await sign_in(console, session)
        assert response.status == 200
        assert (await response.json())["supervises"] == ["cim-emea"]
        cookie = response.headers["Set-Cookie"]
        assert "onduty_console=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "Path=/console" in cookie
        who = await session.get(console.url("/console/api/session"))
        assert (await who.json())["username"] == "carl"
        out = await session.delete(console.url("/console/api/session"), headers={"Origin": origin(console)})
        assert out.status == 200
        assert (await session.get(console.url("/console/api/session"))).status == 401


@pytest.mark.parametrize(("username", "password", "own", "status", "code"), [
    ("carl", "wrong password", True, 401, "auth_failed"),
    ("nobody", PASSWORD, True, 401, "auth_failed"),
    ("ann", PASSWORD, True, 403, "not_allowed"),  # an agent, not a supervisor
    ("carl", PASSWORD, False, 403, "origin_not_allowed"),  # another site's page posting the form
])
async def test_sign_in_refusals(console: Harness, username: str, password: str, own: bool, status: int,
                                code: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        response = await sign_in(console, session, username, password, own)
        assert response.status == status
        assert (await response.json())["code"] == code
        assert "Set-Cookie" not in response.headers


async def test_the_feed_shows_the_supervised_queue_live(console: Harness) -> None:
    h = console
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        assert (await sign_in(h, session)).status == 200
        wire = await feed(h, session)
        state = await wire.expect(ConsoleState)
        assert (state.username, state.queues) == ("carl", ["cim-emea"])  # not cic, carl's own queue
        first = await wire.expect(ConsoleQueue)
        assert (first.queue, first.title, first.waiting, first.agents) == ("cim-emea", "CIM EMEA", 0, [])
        assert first.alert is not None and first.alert.text == "CIM EMEA has nobody on duty"

        ann, _ = await agent_on_duty(h, "ann")
        h.clock.advance(5)
        wire.pending.clear()
        seen = await wire.until(ConsoleQueue, lambda q: q.agents and q.alert is None)
        (agent,) = seen.agents
        assert (agent.username, agent.display_name, agent.activity) == ("ann", "Ann Agent", AgentActivity.AVAILABLE)
        assert agent.since == h.clock.now - 5

        wire.pending.clear()  # pictures from before
        await ann.send(SetDuty(on_duty=False))  # the queue's last agent goes Off Duty
        alerted = await wire.until(ConsoleQueue, lambda q: q.alert is not None)
        assert alerted.alert is not None and alerted.alert.text == "CIM EMEA has nobody on duty"
        assert alerted.agents[0].activity is AgentActivity.OFF_DUTY

        wire.pending.clear()
        await request(h)  # Rita waits
        h.clock.advance(30)
        line = await wire.until(ConsoleQueue, lambda q: q.waiting == 1 and q.longest_wait_s >= 30)
        assert line.longest_wait_s == 30


async def test_the_feed_needs_the_cookie_and_the_own_origin(console: Harness) -> None:
    h = console
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        ws = await session.ws_connect(h.url("/console/ws"), headers={"Origin": origin(h)})
        refused = Wire(ws)
        h.wires.append(refused)
        error = await refused.next()
        assert isinstance(error, Error) and error.code is ErrorCode.NOT_AUTHENTICATED
        assert await refused.closed() == CloseCode.POLICY_VIOLATION
        assert (await sign_in(h, session)).status == 200
        ws = await session.ws_connect(h.url("/console/ws"), headers={"Origin": "https://evil.example"})
        other = Wire(ws)
        h.wires.append(other)
        assert isinstance(await other.next(), Error)


async def test_a_revoked_role_closes_the_feed(console: Harness) -> None:
    h = console
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        assert (await sign_in(h, session)).status == 200
        wire = await feed(h, session)
        await wire.expect(ConsoleState)
        await h.shell.store.set_role("carl", StaffRole.AGENT)
        error = await wire.until(Error)
        assert error.code is ErrorCode.NOT_ALLOWED
        closing = await wire.ws.receive()
        assert (closing.type, closing.data, closing.extra) == (aiohttp.WSMsgType.CLOSE, CloseCode.POLICY_VIOLATION,
                                                               "not_allowed")
        assert (await session.get(h.url("/console/api/session"))).status == 401


async def test_supervisors_hear_their_role_at_sign_in_and_get_one_time_links(console: Harness) -> None:
    h = console
    carl = await h.connect("/ws/agent")
    await carl.send(Login(username="carl", password=PASSWORD))
    await carl.expect(LoginOk)
    role = await carl.until(SupervisorRole)
    assert (role.role, role.supervises) == (StaffRole.SUPERVISOR, ["cim-emea"])
    await carl.send(GetConsoleLink())
    link = await carl.until(ConsoleLink)
    assert link.url.startswith(origin(h) + "/console/link/")
    assert link.expires_at == h.clock.now + 60
    ann = await h.connect("/ws/agent")
    await ann.send(Login(username="ann", password=PASSWORD))
    await ann.expect(LoginOk)
    await ann.send(GetConsoleLink())
    refused = await ann.until(Error)
    assert refused.code is ErrorCode.NOT_ALLOWED
    assert not any(isinstance(m, SupervisorRole) for m in ann.seen)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        h.clock.advance(61)  # too late: used up, and no cookie
        late = await browser.get(link.url, allow_redirects=False)
        assert late.status == 303 and "Set-Cookie" not in late.headers


async def test_the_feed_shows_todays_figures_against_the_queues_goal(console: Harness) -> None:
    h = console
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        assert (await sign_in(h, session)).status == 200
        wire = await feed(h, session)
        first = await wire.until(ConsoleQueue, lambda q: q.today is not None)
        assert first.today is not None and (first.today.requests, first.today.service_level) == (0, None)

        _rita, asked = await request(h)  # nobody on duty: Rita waits 30 s
        h.clock.advance(30)
        ann, _ = await agent_on_duty(h, "ann")
        await ann.expect(ChatAssigned)
        sam, left = await request(h, text=None)  # Ann is busy: Sam waits, then gives up
        await sam.send(EndChat(chat_id=left.chat_id))
        h.clock.advance(60)
        await ann.send(EndChat(chat_id=asked.chat_id))  # handled for 60 s
        await ann.until(ChatEnded)
        h.clock.advance(10)  # console_figures_s: read again

        wire.pending.clear()
        seen = await wire.until(ConsoleQueue, lambda q: q.today is not None and q.today.requests == 2)
        today = seen.today
        assert today is not None
        assert (today.answered, today.dropped, today.target_s, today.goal) == (1, 1, 20.0, 0.8)
        assert today.service_level == 0.0  # answered after 30 s: not within 20
        assert (today.handle_mean_s, today.wait_p90_s, today.arrivals_last_hour) == (60.0, 30.0, 2)
        assert today.advised_agents == agents_needed(2, 60.0, 20.0, 0.8).agents
        assert [(a.username, a.chats_today) for a in seen.agents] == [("ann", 1)]

        await h.shell.store.set_service_goal("cim-emea", 45.0, 0.9)  # onduty-server queue goal
        h.clock.advance(10)
        wire.pending.clear()
        again = await wire.until(ConsoleQueue, lambda q: q.today is not None and q.today.target_s == 45.0)
        assert again.today is not None and (again.today.goal, again.today.service_level) == (0.9, 0.5)


async def test_the_last_24_hours_and_the_report_download(console: Harness) -> None:
    h = console
    _rita, asked = await request(h)
    h.clock.advance(12)
    ann, _ = await agent_on_duty(h, "ann")
    await ann.expect(ChatAssigned)
    h.clock.advance(60)
    await ann.send(EndChat(chat_id=asked.chat_id))
    await ann.until(ChatEnded)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        assert (await session.get(h.url("/console/api/history?queue=cim-emea"))).status == 401  # no cookie
        assert (await sign_in(h, session)).status == 200
        answer = await session.get(h.url("/console/api/history?queue=cim-emea"))
        assert answer.status == 200
        history = await answer.json()
        assert (history["queue"], history["tz"], history["target_s"], history["goal"]) == ("cim-emea", "UTC", 20.0, 0.8)
        hours = history["hours"]
        assert len(hours) == 24 and [x["start"] for x in hours] == sorted(x["start"] for x in hours)
        now = hours[-1]
        assert (now["requests"], now["answered"], now["dropped"], now["wait_p50_s"], now["service_level"]) == (
            1, 1, 0, 12.0, 1.0)
        assert sum(x["requests"] for x in hours) == 1
        assert now["on_duty_max"] == 1 and hours[0]["on_duty_max"] is None  # Ann came On Duty; before: not watched

        day = datetime.fromtimestamp(h.clock.now, UTC).date().isoformat()
        download = await session.get(h.url(f"/console/api/report?queue=cim-emea&from={day}&to={day}"))
        assert download.status == 200
        assert download.headers["Content-Type"].startswith("text/csv")
        assert f'filename="onduty-cim-emea-{day}-{day}.csv"' in download.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(await download.text())))
        assert (rows[0]["day"], rows[0]["hour"], rows[0]["requests"], rows[0]["handle_mean_s"]) == (
            day, "all", "1", "60.0")
        assert rows[0]["on_duty_max"] == "1"

        for path, status, code in [
            ("/console/api/history?queue=cic", 403, "not_allowed"),  # carl supervises cim-emea only
            ("/console/api/history?queue=nope", 404, "unknown_queue"),
            ("/console/api/report?queue=cic&from=2026-12-01&to=2026-12-01", 403, "not_allowed"),
            ("/console/api/report?queue=cim-emea&from=yesterday&to=2026-12-01", 400, "bad_request"),
            ("/console/api/report?queue=cim-emea&from=2026-12-02&to=2026-12-01", 400, "bad_request"),
            ("/console/api/report?queue=cim-emea&from=2026-01-01&to=2026-12-01", 400, "bad_request"),
        ]:
            refused = await session.get(h.url(path))
            assert (refused.status, (await refused.json())["code"]) == (status, code), path
