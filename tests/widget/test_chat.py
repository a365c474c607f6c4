"""A whole chat through the widget: form, business context, agent joined, typing both ways, links,
HTML shown as text, delivery state, transcript, end, and "chat again with the same agent"."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from onduty.shared.messages import ChatAssigned, ChatEnded, ChatMessage, PeerTyping
from onduty.shared.types import RequestType, Role

from .conftest import Shop, next_event
from .steps import bubble, messages, open_widget, request_chat, say

XSS = "<img src=x onerror=alert(1)>"


async def test_full_chat(shop: Shop, new_page: Callable[..., Any], tmp_path: Path) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    await open_widget(page, shop)
    await request_chat(page, "Does the Fjell 2 fit two adults with backpacks?")

    assigned = await next_event(ann, ChatAssigned)
    chat = assigned.chat
    chat_id = chat.chat_id
    assert chat.requestor.name == "Rita Requestor"
    assert chat.requestor.email == "rita@example.org"
    assert chat.request_type is RequestType.SALES_ORDER
    context = {c.kind: c for c in chat.context}
    assert set(context) == {"web_shop", "product", "basket"}
    assert context["web_shop"].id == "NW-SHOP-DE"
    assert context["web_shop"].fields["product_catalog_id"] == "NW-2025"
    assert context["web_shop"].fields["catalog_variant_id"] == "EUR-DE"
    assert context["web_shop"].fields["catalog_hierarchy_area"] == "Camping/Tents"
    assert context["web_shop"].fields["on_login_page"] == "false"
    assert context["product"].id == "TENT-FJELL-2"
    assert context["basket"].id == "B-58211"
    assert list(context["basket"].fields.values()) == [
        "1 x TENT-FJELL-2 Fjell 2 ultralight tent", "2 x PEG-TI-8 Titanium pegs, set of 8",
    ]
    first = await next_event(ann, ChatMessage)
    assert (first.seq, first.sender) == (1, Role.REQUESTOR)
    assert first.text == "Does the Fjell 2 fit two adults with backpacks?"

    await expect(page.locator(".od-notice", has_text="Ann Agent joined the chat.")).to_be_visible()
    await expect(page.locator(".od-sub")).to_have_text("Ann Agent")
    await expect(page.locator(".od-own .od-state").first).to_have_text("Sent")

    # typing, both ways
    await ann.typing(chat_id, True)
    await expect(page.locator(".od-typing")).to_have_text("Ann Agent is typing…")
    await page.locator(".od-input").press_sequentially("Th")
    typing = await next_event(ann, PeerTyping)
    assert (typing.chat_id, typing.sender, typing.active) == (chat_id, Role.REQUESTOR, True)

    # links become links, HTML stays text (agent -> requestor and requestor -> agent)
    await ann.send(chat_id, "Yes. Sizes: https://shop.example/fjell-2/sizes. Also www.example.org/tents")
    link = page.locator(".od-log a[href='https://shop.example/fjell-2/sizes']")
    await expect(link).to_have_text("https://shop.example/fjell-2/sizes")
    assert await link.get_attribute("rel") == "noopener noreferrer nofollow"
    await expect(page.locator(".od-log a[href='https://www.example.org/tents']")).to_be_visible()
    await expect(page.locator(".od-typing")).to_have_text("")
    await ann.send(chat_id, XSS)
    await expect(bubble(page, XSS)).to_have_text(XSS)
    assert await page.locator("onduty-chat img").count() == 0
    await page.locator(".od-input").fill("")
    await say(page, f"Thanks! {XSS}")
    got = await next_event(ann, ChatMessage)
    assert got.text == f"Thanks! {XSS}"
    await expect(page.locator(".od-own .od-state")).to_have_text(["Sent", "Sent"])

    # transcript, built in the page
    async with page.expect_download() as download_info:
        await page.locator(".od-transcript").click()
    download = await download_info.value
    saved = tmp_path / "transcript.txt"
    await download.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert "Agent: Ann Agent" in text
    assert "You: Does the Fjell 2 fit two adults with backpacks?" in text
    assert f"Ann Agent: {XSS}" in text
    assert f"You: Thanks! {XSS}" in text
    assert text.index("Does the Fjell") < text.index("Sizes") < text.index("Thanks!")

    # the requestor ends the chat (with a confirmation step)
    await page.locator(".od-end").click()
    await page.locator(".od-after").get_by_role("button", name="End chat").click()
    ended = await next_event(ann, ChatEnded)
    assert ended.reason.value == "requestor_left"
    await expect(page.locator(".od-notice", has_text="You ended the chat.")).to_be_visible()
    assert await page.locator(".od-composer").is_hidden()
    await expect(messages(page)).to_have_count(4)

    # "chat again with the same agent": Bob has been idle longer, yet routing prefers Ann
    bob = await shop.agent("bob")
    await ann.close_chat(chat_id)
    await page.get_by_role("button", name="Chat again with Ann Agent").click()
    await expect(page.locator(".od-note", has_text="connected with Ann Agent again")).to_be_visible()
    await page.locator("textarea[name=message]").fill("Me again, about the pegs")
    await page.get_by_role("button", name="Start chat").click()
    again = await next_event(ann, ChatAssigned)
    assert again.chat.chat_id != chat_id
    assert again.chat.requestor.name == "Rita Requestor"  # the form kept what was typed before
    await expect(page.locator(".od-notice", has_text="Ann Agent joined the chat.")).to_be_visible()
    await expect(messages(page)).to_have_count(1)
    assert bob.open_chats == {}
