"""Files both ways (uploaded over HTTP with the chat's token, saved as downloads, refused types
explained) and B2B requestors: a valid site token shows the agent who asks, a forged one gets a
clear message and no chat."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from playwright.async_api import Page, expect

from onduty.server.auth import sign_site_token
from onduty.shared.messages import ChatAssigned, ChatMessage

from .conftest import SITE_SECRET, Shop, next_event
from .steps import open_widget, request_chat

PDF = b"%PDF-1.4\n% an invoice\n" + bytes(range(256)) * 40
MANUAL = b"Fjell 2 manual\nStep 1: unpack. Schritt 2: aufbauen.\n"


async def test_files_both_ways(shop: Shop, new_page: Callable[..., Any], tmp_path: Path) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    await open_widget(page, shop)
    await request_chat(page, "The invoice is wrong")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await expect(page.locator(".od-sub")).to_have_text("Ann Agent")

    # requestor -> agent
    await page.locator(".od-file-input").set_input_files(
        files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    got = await next_event(ann, ChatMessage, lambda m: m.file is not None)
    assert got.file is not None
    assert (got.file.name, got.file.size, got.chat_id) == ("invoice.pdf", len(PDF), chat_id)
    assert (await ann.download_file(got.file.file_id)).data == PDF
    mine = page.locator(".od-own", has=page.locator(".od-file"))
    await expect(mine.locator(".od-file")).to_have_text("invoice.pdf (10 KB)")
    await expect(mine.locator(".od-state")).to_have_text("Sent")

    # agent -> requestor: a download button, never shown inline
    await ann.upload_file(chat_id, MANUAL, "manual.txt", content_type="text/plain", caption="The manual, see page 2")
    button = page.locator(".od-peer button.od-file")
    await expect(button).to_have_text(f"manual.txt ({len(MANUAL)} B)")
    await expect(page.locator(".od-peer .od-text").last).to_have_text("The manual, see page 2")
    async with page.expect_download() as info:
        await button.click()
    download = await info.value
    assert download.suggested_filename == "manual.txt"
    saved = tmp_path / "manual.txt"
    await download.save_as(saved)
    assert saved.read_bytes() == MANUAL

    # a type the server does not take: the requestor is told why, before anything is sent
    await page.locator(".od-file-input").set_input_files(
        files=[{"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"}]
    )
    refused = page.locator(".od-own", has_text="setup.exe")
    await expect(refused.locator(".od-msg-error")).to_contain_text(
        "setup.exe cannot be sent: .exe files are not accepted. Accepted: .pdf .png")
    await expect(refused.locator(".od-state")).to_contain_text("Not sent")
    assert [m.file.name for m in await shop.shell.store.messages_after(chat_id, 0, limit=100) if m.file] == [
        "invoice.pdf", "manual.txt",
    ]


async def test_b2b_valid_forged_and_missing_site_token(shop: Shop, new_page: Callable[..., Any]) -> None:
    ann = await shop.agent("ann")
    expires = time.time() + 3600
    valid = sign_site_token(SITE_SECRET, "shop", "u-4711", "Bea Buyer", expires)
    forged = sign_site_token("not-the-secret", "shop", "u-4711", "Bea Buyer", expires)

    # no token for a B2B queue: asked to sign in
    page: Page = await new_page()
    await open_widget(page, shop, "?queue=shop-b2b")
    await request_chat(page, "Hello?")
    await expect(page.locator(".od-callout-refused")).to_have_text(
        "Please sign in to the shop to chat with our support team."
    )

    # forged: a clear message, no chat
    page = await new_page()
    await open_widget(page, shop, f"?queue=shop-b2b&token={quote(forged)}")
    await expect(page.locator(".od-note", has_text="Signed in")).to_be_visible()
    await request_chat(page, "Let me in")
    await expect(page.locator(".od-callout-refused")).to_have_text(
        "We could not verify your sign-in (it may have expired). Please reload the page or sign in again."
    )
    assert await page.locator(".od-composer").count() == 0
    assert shop.shell.delivery.count() == 0

    # valid: the agent sees the verified user and the business partner
    page = await new_page()
    await open_widget(page, shop, f"?queue=shop-b2b&token={quote(valid)}")
    await request_chat(page, "Order 4711 is stuck", name="B. Buyer")
    assigned = await next_event(ann, ChatAssigned)
    chat_id = assigned.chat.chat_id
    requestor = assigned.chat.requestor
    assert (requestor.name, requestor.verified_id, requestor.site) == ("Bea Buyer", "u-4711", "shop")
    assert assigned.chat.queue == "shop-b2b"
    partner = [c for c in assigned.chat.context if c.kind == "business_partner"]
    assert [(c.id, c.fields) for c in partner] == [("BP-100234", {"business_partner_id": "BP-100234"})]
    await expect(page.locator(".od-notice", has_text="Ann Agent joined the chat.")).to_be_visible()

    # the agent ends it: "agent left", and the requestor may chat again with her
    await ann.end_chat(chat_id)
    await expect(page.locator(".od-notice", has_text="Ann Agent left the chat.")).to_be_visible()
    await expect(page.get_by_role("button", name="Chat again with Ann Agent")).to_be_visible()
