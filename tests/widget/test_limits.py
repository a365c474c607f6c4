"""The server's limits, sent at hello (welcome.limits), in the widget: a message over the text limit is refused
with the reason and never cut; a file too big or of a type the server does not take is refused in the browser,
before a byte is sent, in human units; a failed upload stays in its place in the chat, can be retried or
dismissed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, Request, Route, expect

from onduty.shared.limits import MAX_TEXT
from onduty.shared.messages import ChatAssigned, ChatMessage

from .conftest import Shop, next_event, running_shop
from .steps import bubble, open_widget, request_chat, say

LONG = ("Lorem ipsum dolor sit amet. " * 415).strip()  # 11,619 characters, like the report cut at 8000


@pytest.fixture
async def small_files(tmp_path: Path, widget_built: Path) -> AsyncIterator[Shop]:
    """A server that takes files of at most 1000 bytes, PDFs and text only."""
    async with running_shop(tmp_path / "data", max_file_bytes=1000, file_types=(".pdf", ".txt")) as the_shop:
        yield the_shop


async def test_a_message_over_the_limit_is_refused_with_the_reason_and_kept(
    shop: Shop, new_page: Callable[..., Any],
) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    await open_widget(page, shop)

    # the question of the pre-chat form: refused in the form, no chat requested
    form = page.locator("form.od-form")
    await form.locator("input[name=name]").fill("Rita Requestor")
    await form.locator("textarea[name=message]").fill(LONG)
    await form.get_by_role("button", name="Start chat").click()
    await expect(form.locator(".od-field-error", has_text="too long")).to_contain_text(
        f"This message is {len(LONG) - MAX_TEXT:,} characters too long (at most {MAX_TEXT:,})")
    assert await form.locator("textarea[name=message]").input_value() == LONG  # nothing cut

    await request_chat(page, "A short question first")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await next_event(ann, ChatMessage)

    composer = page.locator(".od-input")
    counter = page.locator(".od-count")
    await composer.fill("x" * 7000)
    await expect(counter).to_be_hidden()  # far from the limit
    await composer.fill("x" * 7500)
    await expect(counter).to_have_text(f"7,500 / {MAX_TEXT:,} characters")
    await composer.fill(LONG)
    await composer.press("Enter")
    await expect(counter).to_have_text(
        f"This message is {len(LONG) - MAX_TEXT:,} characters too long (at most {MAX_TEXT:,}). "
        "Shorten it or send it in two parts.")
    assert await composer.input_value() == LONG
    await composer.fill("")
    await say(page, "the short one")
    assert (await next_event(ann, ChatMessage)).text == "the short one"  # the long one never went out
    await expect(counter).to_be_hidden()
    await ann.send(chat_id, "ok")
    await expect(bubble(page, "ok")).to_be_visible()


async def test_files_are_checked_in_the_browser_and_a_failed_one_stays_in_place(
    small_files: Shop, new_page: Callable[..., Any],
) -> None:
    shop = small_files
    ann = await shop.agent("ann")
    page: Page = await new_page()
    uploads: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "POST" and "/files" in request.url:
            uploads.append(request.url)

    page.on("request", seen)
    await open_widget(page, shop)
    await request_chat(page, "Here is the photo")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await expect(page.locator(".od-sub")).to_have_text("Ann Agent")

    files = page.locator(".od-file-input")
    await files.set_input_files(files=[{"name": "photo.pdf", "mimeType": "application/pdf", "buffer": b"x" * 5000}])
    big = page.locator(".od-own", has_text="photo.pdf")
    await expect(big.locator(".od-msg-error")).to_have_text("photo.pdf is 4.9 KB; files can be at most 1000 B.")
    await files.set_input_files(files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": b"x" * 10}])
    await expect(page.locator(".od-own", has_text="photo.jpg").locator(".od-msg-error")).to_have_text(
        "photo.jpg cannot be sent: .jpg files are not accepted. Accepted: .pdf .txt")
    assert uploads == []  # refused in the browser: nothing was sent

    # in time order: what the agent says next comes after the failed file, not before it
    await ann.send(chat_id, "Please send it as a PDF under 1000 bytes")
    log = page.locator(".od-log > li")
    await expect(log.last).to_contain_text("Please send it as a PDF")
    texts = await log.all_inner_texts()
    assert next(i for i, t in enumerate(texts) if "photo.pdf" in t) < len(texts) - 1
    await big.get_by_role("button", name="Dismiss").click()
    await expect(page.locator(".od-own", has_text="photo.pdf")).to_have_count(0)

    # a failed upload (the network) offers Retry, which sends it once
    failures = [True]

    async def flaky(route: Route) -> None:
        if failures and failures.pop():
            await route.abort()
        else:
            await route.continue_()

    await page.route("**/api/chats/*/files", flaky)
    await files.set_input_files(files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF" * 10}])
    scan = page.locator(".od-own", has_text="scan.pdf")
    await expect(scan.locator(".od-msg-error")).to_have_text("The file could not be sent.")
    await scan.get_by_role("button", name="Retry").click()
    got = await next_event(ann, ChatMessage, lambda m: m.file is not None)
    assert got.file is not None and (got.file.name, got.file.size) == ("scan.pdf", 40)
    await expect(page.locator(".od-own", has_text="scan.pdf").locator(".od-state")).to_have_text("Sent")
