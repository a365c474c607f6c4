"""After a chat an agent served, the widget asks "How was this chat?": 1 to 5 (a radio group with words) and an
optional comment, in English and German; the rating is stored once and the agent reads it with the transcript."""

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

DASH = "\u2013"  # an en dash between the number and its words


def _labels(*words: str) -> list[str]:
    return [f"{n} {DASH} {word}" for n, word in enumerate(words, start=1)]


WORDS = {
    "en": ("How was this chat?", _labels("Very poor", "Poor", "Okay", "Good", "Very good"),
           "Comment (optional)", "Send rating", "Choose a rating from 1 to 5.", "Thank you for your rating."),
    "de": ("Wie war dieser Chat?", _labels("Sehr schlecht", "Schlecht", "In Ordnung", "Gut", "Sehr gut"),
           "Kommentar (freiwillig)", "Bewertung senden", "Wählen Sie eine Bewertung von 1 bis 5.",
           "Vielen Dank für Ihre Bewertung."),
}


async def _start_chat_de(page: Page) -> None:
    form = page.locator("form.od-form")
    await form.locator("input[name=request_type][value=sales_order]").check()
    await form.locator("input[name=name]").fill("Rita Requestor")
    await form.locator("textarea[name=message]").fill("Passt das Fjell 2 für zwei?")
    await form.locator("button[type=submit]").click()


@pytest.mark.parametrize("lang", ["en", "de"])
async def test_a_served_chat_is_rated_once_with_a_comment(shop: Shop, new_page: Callable[..., Any], lang: str) -> None:
    question, labels, comment_label, send, choose, thanks = WORDS[lang]
    page: Page = await new_page(bypass_csp=True)  # axe's script is added to the page
    ann = await shop.agent("ann")
    await open_widget(page, shop, f"?lang={lang}")
    if lang == "en":
        await request_chat(page, "Does the Fjell 2 fit two adults?")
    else:
        await _start_chat_de(page)
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await next_event(ann, ChatMessage)
    await ann.send(chat_id, "Yes, it does.")
    await ann.end_chat(chat_id)

    group = page.get_by_role("group", name=question)
    await expect(group).to_be_visible()
    for label in labels:  # each choice is a radio button named by its words
        await expect(group.get_by_role("radio", name=label)).to_be_visible()
    assert await violations(page) == []
    await page.get_by_role("button", name=send).click()  # nothing chosen yet
    await expect(page.locator(".od-rating")).to_contain_text(choose)
    assert await violations(page) == []

    await group.get_by_label(labels[3]).check()
    await page.get_by_label(comment_label).fill("  Quick and friendly  ")
    await page.get_by_role("button", name=send).click()
    await expect(page.get_by_role("status").filter(has_text=thanks)).to_be_visible()
    await expect(page.get_by_role("button", name=send)).to_have_count(0)  # once per chat

    stored = await shop.shell.store.chat_rating(chat_id)
    assert stored is not None and (stored.rating, stored.comment) == (4, "Quick and friendly")
    transcript = await ann.get_transcript(chat_id)
    assert transcript.rating == stored


async def test_no_rating_is_asked_for_a_chat_nobody_served(shop: Shop, new_page: Callable[..., Any]) -> None:
    ann = await shop.agent("ann")
    await ann.set_presence(Presence.BUSY)  # on duty (the queue is open) but nobody takes the chat
    page: Page = await new_page()
    await open_widget(page, shop)
    await request_chat(page, "Hello?")
    await expect(page.locator(".od-waiting")).to_be_visible()
    await page.locator(".od-header .od-end").click()
    await page.get_by_role("group").get_by_role("button").first.click()
    await expect(page.locator(".od-after")).to_contain_text("Start a new chat")
    await expect(page.locator(".od-rating")).to_have_count(0)
