"""The supervisor console in Debian's chromium: sign in, watch the queue, the last agent goes Off Duty ->
the staffing alert is on the page; back On Duty -> it is gone."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.async_api import expect

from onduty.client.net import AgentClient, RequestorClient
from onduty.server.core.roles import StaffRole
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.messages import ChatAssigned, Whisper

from .axe import violations
from .conftest import PASSWORD, WAIT, Shop, running_shop

ROOT = Path(__file__).resolve().parents[2]
E = TypeVar("E")


@pytest.fixture
async def console_shop(tmp_path: Path, widget_built: Path) -> AsyncIterator[Shop]:
    """The shop's server, with bob as supervisor of cim-emea; no quiet time after the start."""
    data = tmp_path / "data"
    async with running_shop(data, agent_grace_s=0.0, console_interval_s=0.2, console_figures_s=0.2) as shop:
        store = SqliteStore(shop.config.db_path)
        await store.open()
        await store.set_role("bob", StaffRole.SUPERVISOR, ["cim-emea"])
        await store.close()
        yield shop


async def test_the_last_agent_going_off_duty_puts_the_alert_on_the_console(
        console_shop: Shop, new_page: Callable[..., Any], tmp_path: Path) -> None:
    """With ONDUTY_SCREENSHOTS=1 the picture with the alert is written to docs/img/console-alert.png."""
    shop = console_shop
    ann = await shop.agent("ann")  # On Duty in cim-emea (and shop-b2b)
    page = await new_page(viewport={"width": 1100, "height": 700})
    await page.goto(shop.url("/console/"))
    await page.get_by_label("Username").fill("bob")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    queue = page.locator('section[data-queue="cim-emea"]')
    await expect(queue.get_by_role("heading", name="CIM EMEA")).to_be_visible()
    await expect(page.get_by_role("button", name="Sign in")).to_be_hidden()
    await expect(page.locator('section[data-queue="shop-b2b"]')).to_have_count(0)  # bob supervises cim-emea only
    row = queue.locator('tr[data-agent="ann"]')
    await expect(row).to_contain_text("Ann Agent")
    await expect(row).to_contain_text("Available")
    await expect(queue.get_by_test_id("alert")).to_have_count(0)

    await ann.set_duty(False)  # the queue's last agent goes Off Duty
    alert = queue.get_by_role("alert")
    await expect(alert).to_contain_text("CIM EMEA has nobody on duty", timeout=5000)
    await expect(row).to_contain_text("Off Duty")
    shot = ROOT / "docs" / "img" / "console-alert.png" if os.environ.get("ONDUTY_SCREENSHOTS") else tmp_path / "c.png"
    await page.screenshot(path=str(shot))

    await ann.set_duty(True)
    await expect(queue.get_by_test_id("alert")).to_have_count(0, timeout=WAIT * 1000)

    cookies = await page.context.cookies()
    (session,) = [c for c in cookies if c["name"] == "onduty_console"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    assert await page.evaluate("document.cookie") == ""  # the script cannot read the session

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("button", name="Sign in")).to_be_visible()


async def test_a_supervisor_opens_a_live_chat_and_whispers_to_its_agent(
        console_shop: Shop, new_page: Callable[..., Any]) -> None:
    shop = console_shop
    ann = await shop.agent("ann")
    rita = RequestorClient(shop.base, request_timeout=WAIT)
    await rita.start()
    try:
        await watch_and_whisper(shop, ann, rita, new_page)
    finally:
        await rita.close()


async def next_of(client: AgentClient, kind: type[E]) -> E:
    async def scan() -> E:
        while True:
            event = await client.next_event()
            if isinstance(event, kind):
                return event
    return await asyncio.wait_for(scan(), WAIT)


async def watch_and_whisper(shop: Shop, ann: AgentClient, rita: RequestorClient,
                            new_page: Callable[..., Any]) -> None:
    chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="Where is my refund?")
    await next_of(ann, ChatAssigned)

    page = await new_page(viewport={"width": 1100, "height": 800})
    await page.goto(shop.url("/console/"))
    await page.get_by_label("Username").fill("bob")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()

    row = page.locator(f'section[data-queue="cim-emea"] tr[data-chat="{chat_id}"]')
    await expect(row).to_contain_text("Rita Requestor")
    await expect(row).to_contain_text("Ann Agent")
    await row.get_by_role("button", name="Open").click()
    transcript = page.get_by_label("Transcript (read-only)")
    await expect(transcript).to_contain_text("Where is my refund?")
    await ann.send(chat_id, "Let me check")
    await expect(transcript).to_contain_text("Let me check")  # live

    await page.get_by_label("Whisper to the agent").fill("approve the refund")
    await page.get_by_role("button", name="Whisper").click()
    got = await next_of(ann, Whisper)
    assert (got.chat_id, got.text, got.sender) == (chat_id, "approve the refund", "bob")
    await expect(page.get_by_test_id("whisper")).to_contain_text("approve the refund")
    await rita.end_chat(chat_id)
    await expect(page.get_by_role("heading", name="Rita Requestor with Ann Agent (ended)")).to_be_visible()


async def test_the_console_shows_today_the_last_24_hours_and_downloads_the_report(
        console_shop: Shop, new_page: Callable[..., Any], tmp_path: Path) -> None:
    """With ONDUTY_SCREENSHOTS=1 the picture is written to docs/img/console-day.png."""
    shop = console_shop
    ann = await shop.agent("ann")
    rita = RequestorClient(shop.base, request_timeout=WAIT)
    await rita.start()
    try:
        chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="Where is my refund?")
        await next_of(ann, ChatAssigned)
        page = await new_page(viewport={"width": 1100, "height": 900})
        await page.goto(shop.url("/console/"))
        await page.get_by_label("Username").fill("bob")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()

        queue = page.locator('section[data-queue="cim-emea"]')
        await expect(queue.get_by_test_id("today-requests")).to_have_text("1")
        await expect(queue.get_by_test_id("today-answered")).to_have_text("1")
        await expect(queue.get_by_test_id("today-service-level")).to_have_text("100%")
        row = queue.locator('tr[data-agent="ann"]')
        await expect(row.get_by_test_id("chats-today")).to_have_text("1")
        await expect(row.get_by_test_id("current-chat")).to_contain_text("Rita Requestor")
        for chart in ("chart-requests", "chart-waits"):
            await expect(queue.get_by_test_id(chart).locator("canvas")).to_have_count(1)
        await expect(queue.get_by_role("status").filter(has_text="in the last 24 hours")).to_contain_text(
            "Hours in UTC; 1 request in")

        await queue.get_by_label("From", exact=True).fill("2026-01-01")  # the form keeps its input across pictures
        await page.wait_for_timeout(500)  # two pictures (console_interval_s 0.2) redraw the live part meanwhile
        await expect(queue.get_by_label("From", exact=True)).to_have_value("2026-01-01")
        href = await queue.get_by_test_id("report-download").get_attribute("href")
        assert href is not None and href.startswith("/console/api/report?queue=cim-emea&from=2026-01-01&to=")
        await queue.get_by_label("From", exact=True).fill(await queue.get_by_label("To", exact=True).input_value())
        href = await queue.get_by_test_id("report-download").get_attribute("href")
        csv_text = await page.evaluate("href => fetch(href).then(r => r.text())", href)
        assert csv_text.startswith("day,hour,requests,answered,dropped")
        assert ",all,1,1,0," in csv_text
        assert await violations(page, "main") == []
        shot = ROOT / "docs" / "img" / "console-day.png" if os.environ.get("ONDUTY_SCREENSHOTS") else tmp_path / "d.png"
        await page.screenshot(path=str(shot), full_page=True)
        await rita.end_chat(chat_id)
    finally:
        await rita.close()
