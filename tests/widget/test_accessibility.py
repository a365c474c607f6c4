"""axe-core finds nothing at WCAG 2.1 AA in the widget's screens: the launcher, the pre-chat form (also with its
errors), the callback form (English and German), waiting, a chat with a file and the end question, after the
chat, on a phone-sized screen, and in a light brand colour."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.async_api import Page, expect

from onduty.shared.messages import ChatAssigned, ChatMessage
from onduty.shared.types import Presence

from .axe import violations
from .conftest import Shop, next_event
from .steps import open_widget, request_chat

PHONE = {"width": 390, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


async def page_of(new_page: Callable[..., Any], viewport: dict[str, int] = DESKTOP) -> Page:
    page: Page = await new_page(viewport=viewport, bypass_csp=True)  # to add axe's script to the page
    return page


@pytest.mark.parametrize("lang", ["en", "de"])
async def test_the_callback_form(shop: Shop, new_page: Callable[..., Any], lang: str) -> None:
    page = await page_of(new_page)
    await page.goto(shop.url(f"/widget/?lang={lang}"))
    assert await violations(page) == []  # the launcher alone
    await page.locator(".od-launcher").click()
    await expect(page.locator(".od-callback")).to_be_visible()
    assert await violations(page) == []
    await page.locator(".od-callback button[type=submit]").click()  # with its errors
    assert await violations(page) == []


@pytest.mark.parametrize(("viewport", "query"), [(DESKTOP, ""), (PHONE, ""), (DESKTOP, "?brand=%23ffeb3b")])
async def test_the_form_and_a_chat(
    shop: Shop, new_page: Callable[..., Any], viewport: dict[str, int], query: str,
) -> None:
    ann = await shop.agent("ann")
    page = await page_of(new_page, viewport)
    await open_widget(page, shop, query)
    assert await violations(page) == []
    await page.locator("form.od-form button[type=submit]").click()  # every error shown
    assert await violations(page) == []
    await request_chat(page, "Hi! Does the Fjell 2 fit two adults?")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await next_event(ann, ChatMessage)
    await ann.send(chat_id, "Hello, yes: see https://shop.example/fjell-2")
    await ann.upload_file(chat_id, b"%PDF-1.4\n", "guide.pdf", content_type="application/pdf", caption="The guide")
    await expect(page.locator(".od-peer button.od-file")).to_be_visible()
    await ann.typing(chat_id, True)
    assert await violations(page) == []
    await page.locator(".od-header .od-end").click()
    await expect(page.get_by_role("group")).to_be_visible()
    assert await violations(page) == []
    await page.get_by_role("group").get_by_role("button").first.click()
    await expect(page.locator(".od-after")).to_contain_text("Start a new chat")
    assert await violations(page) == []


async def test_waiting_in_line(shop: Shop, new_page: Callable[..., Any]) -> None:
    ann = await shop.agent("ann")
    busy = await shop.agent("bob")
    page = await page_of(new_page)
    await open_widget(page, shop)
    for agent in (ann, busy):  # on duty but Busy: the requestor waits in line
        await agent.set_presence(Presence.BUSY)
    await request_chat(page, "Anyone there?")
    await expect(page.locator(".od-waiting")).to_be_visible()
    assert await violations(page) == []
