"""After a drop the widget offers "Reconnect now": it comes back at once, whatever is left of the backoff. The
page's clock is paused (Playwright's fake timers), so the backoff never runs out by itself: nothing here waits
for time to pass."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, expect

from onduty.shared.messages import ChatAssigned, ChatMessage

from .conftest import Shop, next_event
from .steps import bubble, open_widget, request_chat


async def test_reconnect_now_comes_back_without_waiting_for_the_backoff(
    shop: Shop, new_page: Callable[..., Any],
) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    await page.clock.install()
    await open_widget(page, shop)
    await request_chat(page, "Is my order on its way?")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await next_event(ann, ChatMessage)
    await expect(page.locator(".od-sub")).to_have_text("Ann Agent")
    await page.clock.pause_at(time.time() + 1)  # from here on, no timer of the page fires by itself

    await page.evaluate("window.OnDuty.reconnect()")  # the network dropped
    banner = page.locator(".od-banner")
    await expect(banner).to_contain_text("Connection lost. Reconnecting…")
    await ann.send(chat_id, "Yes, it left today.")
    await banner.get_by_role("button", name="Reconnect now").click()
    await expect(banner).to_be_hidden()
    await expect(bubble(page, "Yes, it left today.")).to_be_visible()  # resumed: what came meanwhile is there
