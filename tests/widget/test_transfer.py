"""A warm handover seen from the widget: "you are now talking to X", one conversation across the move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, expect

from onduty.shared.messages import ChatAssigned, ChatMessage, DiscussionOffer
from onduty.shared.types import DiscussionState, Role

from .conftest import Shop, next_event
from .steps import bubble, open_widget, request_chat, say


async def test_warm_handover_tells_the_requestor_and_keeps_the_conversation(
    shop: Shop, new_page: Callable[..., Any]
) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    await open_widget(page, shop)
    await request_chat(page, "Which tent for winter camping?")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await next_event(ann, ChatMessage)
    await ann.send(chat_id, "Your question belongs to another expert area. Let me check if someone is available.")
    await expect(bubble(page, "another expert area")).to_be_visible()

    bob = await shop.agent("bob")
    offered = await ann.discuss(chat_id, colleague="bob")
    assert offered.discussion.state is DiscussionState.OFFERED
    offer = await next_event(bob, DiscussionOffer)
    await say(page, "Still here")  # the requestor writes during the discussion
    await bob.answer_discussion(offer.discussion.discussion_id, accept=True)
    await ann.transfer(offer.discussion.discussion_id)

    moved = await next_event(bob, ChatAssigned)
    assert moved.chat.chat_id == chat_id and moved.transferred_from == "Ann Agent"
    history = [await next_event(bob, ChatMessage) for _ in range(3)]
    assert [(m.seq, m.sender) for m in history] == [(1, Role.REQUESTOR), (2, Role.AGENT), (3, Role.REQUESTOR)]

    await expect(page.locator(".od-notice", has_text="You are now talking to Bob Agent.")).to_be_visible()
    await expect(page.locator(".od-sub")).to_have_text("Bob Agent")
    await bob.send(chat_id, "Hello, I am Bob, the tent expert.")
    await expect(bubble(page, "the tent expert")).to_be_visible()
    await say(page, "Great")
    after = await next_event(bob, ChatMessage)
    assert (after.seq, after.text) == (5, "Great")
    # every message once in the widget, in order
    texts = await page.locator(".od-log .od-msg .od-text").all_inner_texts()
    assert texts == [
        "Which tent for winter camping?",
        "Your question belongs to another expert area. Let me check if someone is available.",
        "Still here",
        "Hello, I am Bob, the tent expert.",
        "Great",
    ]
