"""Right-to-left text in the widget: each message is laid out in its own direction (dir="auto"), on a
left-to-right page, so an Arabic or Hebrew message reads from the right and an English one from the left."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, expect

from onduty.shared.messages import ChatAssigned, ChatMessage

from .conftest import Shop, next_event
from .steps import bubble, open_widget, request_chat, say

ARABIC = "مرحبا، أين طلبي رقم 4711؟"
HEBREW = "שלום, ההזמנה שלי לא הגיעה"
LONG_HEBREW = "תודה רבה על העזרה, " * 6 + "ההזמנה שלי הגיעה"


async def direction(page: Page, text: str) -> str:
    return str(await bubble(page, text).evaluate("el => getComputedStyle(el).direction"))


async def test_each_message_is_laid_out_in_its_own_direction(shop: Shop, new_page: Callable[..., Any]) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    await open_widget(page, shop)
    await request_chat(page, ARABIC)
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await next_event(ann, ChatMessage)
    await ann.send(chat_id, HEBREW)
    await ann.send(chat_id, "Your order left our warehouse today.")
    await expect(bubble(page, "warehouse")).to_be_visible()

    assert await direction(page, ARABIC) == "rtl"
    assert await direction(page, HEBREW) == "rtl"
    assert await direction(page, "warehouse") == "ltr"
    # laid out from the right: a wrapped message's short last line ends at the right edge, not the left
    await ann.send(chat_id, LONG_HEBREW)
    lines = await bubble(page, "ההזמנה שלי הגיעה").evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el); const b = el.getBoundingClientRect();"
        " return [...r.getClientRects()].map(x => [x.left - b.left, b.right - x.right]); }")
    last_left_gap, last_right_gap = lines[-1]
    assert len(lines) >= 2 and last_right_gap < 2 < last_left_gap, lines

    composer = page.locator(".od-input")
    await composer.fill(ARABIC)
    assert await composer.evaluate("el => getComputedStyle(el).direction") == "rtl"
    await say(page, "ok, thanks")
    got = await next_event(ann, ChatMessage)
    assert got.text == "ok, thanks"
    # retried: the bubble is drawn anew when its "Sent" comes, and may be between its two versions just now
    await expect(bubble(page, "ok, thanks")).to_have_css("direction", "ltr")
