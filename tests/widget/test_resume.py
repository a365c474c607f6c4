"""Reconnecting: a page reload and a network drop resume the same chat with the same agent; no
message is lost or shown twice, and what the requestor wrote while offline arrives once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, expect

from onduty.shared.messages import ChatAssigned, ChatMessage

from .conftest import Shop, next_event
from .steps import open_widget, request_chat, say


async def texts_of(shop: Shop, chat_id: str) -> list[str]:
    """What the server stored for the chat, in seq order."""
    return [m.text for m in await shop.shell.store.messages_after(chat_id, 0, limit=1000)]


async def test_reload_and_network_drop_resume_without_loss_or_duplicates(
    shop: Shop, new_page: Callable[..., Any]
) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    await open_widget(page, shop)
    await request_chat(page, "Q1")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await next_event(ann, ChatMessage, lambda m: m.text == "Q1")
    await ann.send(chat_id, "A1")
    await expect(page.locator(".od-log .od-text")).to_have_text(["Q1", "A1"])
    await say(page, "Q2")
    await next_event(ann, ChatMessage, lambda m: m.text == "Q2")
    await ann.send(chat_id, "A2")
    log = page.locator(".od-log .od-text")
    await expect(log).to_have_text(["Q1", "A1", "Q2", "A2"])

    # reload, with the agent writing at the same moment: the panel comes back open, everything once
    await asyncio.gather(page.reload(), ann.send(chat_id, "A3"))
    await expect(page.locator(".od-panel")).to_be_visible()
    await expect(log).to_have_text(["Q1", "A1", "Q2", "A2", "A3"])
    await expect(page.locator(".od-sub")).to_have_text("Ann Agent")
    await expect(page.locator(".od-own .od-state")).to_have_text(["Sent", "Sent"])

    # network drop: offline, the connection breaks; both sides write meanwhile
    context = page.context
    await context.set_offline(True)
    await page.evaluate("window.OnDuty.reconnect()")
    await expect(page.locator(".od-banner")).to_contain_text("Connection lost. Reconnecting…")
    await say(page, "Q3 written offline")
    await expect(page.locator(".od-own .od-state").last).to_have_text("Sending")
    await ann.send(chat_id, "A4 while you were away")
    await context.set_offline(False)
    await expect(page.locator(".od-banner")).to_be_hidden()
    await next_event(ann, ChatMessage, lambda m: m.text == "Q3 written offline")
    # in the order the server stored them: the agent's message came first
    await expect(log).to_have_text(["Q1", "A1", "Q2", "A2", "A3", "A4 while you were away", "Q3 written offline"])
    await expect(page.locator(".od-own .od-state")).to_have_text(["Sent", "Sent", "Sent"])

    # and once more after all that: a reload shows the same, the server stored each message once
    await page.reload()
    await expect(log).to_have_text(["Q1", "A1", "Q2", "A2", "A3", "A4 while you were away", "Q3 written offline"])
    expected = ["Q1", "A1", "Q2", "A2", "A3", "A4 while you were away", "Q3 written offline"]
    assert await texts_of(shop, chat_id) == expected
    assert list(ann.open_chats) == [chat_id]  # the same chat, the same agent
