"""Co-browsing in Debian's chromium: the agent invites, the requestor allows; the agent's view (a one-time link
opened in the agent's browser) replays the checkout page live with the card fields and the password masked; the
agent points and the requestor sees the pointer; the requestor moves to another page and the session goes on;
Stop ends it. A typed card number and password are in no WebSocket frame the page sent and nowhere in the server's
data folder."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.async_api import Frame, Page, WebSocket, expect

from onduty.shared.messages import ChatAssigned, ChatMessage, CobrowseStatus, CobrowseUpdate

from .conftest import WAIT, Shop, next_event
from .steps import request_chat

CARD = "4242 4242 4242 4242"
PASSWORD_TYPED = "s3cret-Passw0rd!"
CVC = "737"
IBAN_DIGITS = "370400440532013000"


class Frames:
    """Every WebSocket frame a page sends, as bytes."""

    def __init__(self, page: Page) -> None:
        self.sent: list[bytes] = []
        page.on("websocket", self._socket)

    def _socket(self, ws: WebSocket) -> None:
        ws.on("framesent", lambda payload: self.sent.append(payload if isinstance(payload, bytes)
                                                             else payload.encode()))

    def leaks(self, *secrets: str) -> list[str]:
        found = []
        for secret in secrets:
            for variant in {secret, secret.replace(" ", "")}:
                if any(variant.encode() in frame for frame in self.sent):
                    found.append(variant)
        return found


def found_in(folder: Path, *secrets: str) -> list[str]:
    """Files of ``folder`` (the server's data folder) holding any of ``secrets``."""
    return [f"{secret} in {path}" for path in folder.rglob("*") if path.is_file()
            for secret in secrets if secret.encode() in path.read_bytes()]


async def replay(view: Page) -> Frame:
    """The frame of the replayed page in the agent's view."""
    await expect(view.locator("#screen iframe")).to_have_count(1)
    handle = await view.locator("#screen iframe").element_handle()
    assert handle is not None
    frame = await handle.content_frame()
    assert frame is not None
    return frame


async def value_in(view: Page, selector: str) -> str:
    frame = await replay(view)
    value = await frame.eval_on_selector(selector, "el => el.value")
    return str(value)


async def until_value(view: Page, selector: str, wanted: str) -> None:
    async with asyncio.timeout(WAIT):
        while True:
            try:
                if await value_in(view, selector) == wanted:
                    return
            except Exception:  # the replay is being rebuilt (a new full snapshot)
                pass
            await asyncio.sleep(0.05)


async def test_invite_allow_view_masked_point_navigate_stop(shop: Shop, new_page: Callable[..., Any]) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page(viewport={"width": 1000, "height": 800})
    frames = Frames(page)
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url))
    await page.goto(shop.url("/widget/checkout.html"))
    await page.locator(".od-launcher").click()
    await expect(page.locator("form.od-form")).to_be_visible()
    assert not any("/widget/cobrowse-" in url for url in loaded), "the first load has nothing of co-browsing"
    await request_chat(page, "I cannot pay with my card")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await next_event(ann, ChatMessage)
    await expect(page.locator(".od-notice", has_text="Ann Agent joined the chat.")).to_be_visible()
    assert not any("cobrowse-record.js" in url for url in loaded), "the recorder loads only when sharing starts"

    assert (await ann.cobrowse_invite(chat_id)).status is CobrowseStatus.INVITED
    bar = page.locator("onduty-cobrowse .bar")
    await expect(bar).to_contain_text("Ann Agent asks to see this page with you")
    await bar.get_by_role("button", name="Allow").click()
    await expect(bar).to_contain_text("Your page is shared with Ann Agent")
    await expect(bar.get_by_role("button", name="Stop")).to_be_visible()
    update = await next_event(ann, CobrowseUpdate, lambda u: u.status is CobrowseStatus.ACTIVE)
    assert update.by is not None and update.by.value == "requestor"
    assert any("cobrowse-record.js" in url for url in loaded)

    link = await ann.cobrowse_link(chat_id)
    view: Page = await new_page(viewport={"width": 1280, "height": 900})
    await view.goto(link.url)
    await expect(view.locator("#status")).to_contain_text("live")
    frame = await replay(view)
    await expect(frame.locator("h1")).to_have_text("Checkout")

    await page.locator("#ship-name").fill("Rita Requestor")
    await page.locator("#cc-number").press_sequentially(CARD)
    await page.locator("#cc-exp").fill("12/29")
    await page.locator("#cc-csc").fill(CVC)
    await page.locator("#account-password").press_sequentially(PASSWORD_TYPED)
    await page.locator("#loyalty").fill("LOYAL-998877")
    await page.locator("#gift-code").fill("GIFT-556677")
    await until_value(view, "#ship-name", "Rita Requestor")  # what is not private shows live
    for selector in ("#cc-number", "#cc-exp", "#cc-csc", "#account-password", "#loyalty", "#gift-code"):
        await until_value(view, selector, "••••")
    frame = await replay(view)
    assert await frame.eval_on_selector("#iban", "el => el.textContent") == "••••"

    # the agent points: the requestor sees the pointer where the agent's mouse is over the replayed page
    box = await view.locator("#screen iframe").bounding_box()
    assert box is not None
    await view.mouse.move(box["x"] + 200, box["y"] + 150)
    await view.mouse.move(box["x"] + 210, box["y"] + 160)
    pointer = page.locator("onduty-cobrowse .pointer")
    await expect(pointer).to_be_visible()
    left = await pointer.evaluate("el => el.getBoundingClientRect().left")
    assert 150 < left < 400

    # the requestor moves to another page of the shop: the same session, a new full snapshot
    await page.locator("nav a", has_text="Tents").click()
    await expect(page.locator("#product-title")).to_have_text("Fjell 2 ultralight tent")
    await expect(page.locator("onduty-cobrowse .bar")).to_contain_text("Your page is shared with Ann Agent")
    async with asyncio.timeout(WAIT):
        while True:
            try:
                frame = await replay(view)
                if await frame.locator("#product-title", has_text="Fjell 2").count():
                    break
            except Exception:
                pass
            await asyncio.sleep(0.05)
    await expect(frame.locator("#product-title")).to_have_text("Fjell 2 ultralight tent")

    await page.locator("onduty-cobrowse .bar").get_by_role("button", name="Stop").click()
    await expect(page.locator("onduty-cobrowse .bar")).to_be_hidden()
    await expect(view.locator("#status")).to_contain_text("Co-browsing stopped")
    stopped = await next_event(ann, CobrowseUpdate, lambda u: u.status is CobrowseStatus.STOPPED)
    assert stopped.by is not None and stopped.by.value == "requestor"

    assert frames.sent, "the page's frames were read"
    assert any(b"cobrowse_data" in f for f in frames.sent)
    assert frames.leaks(CARD, PASSWORD_TYPED, "LOYAL-998877", "GIFT-556677", IBAN_DIGITS, "DE89 3704") == []
    await shop.shell.writes.drain()
    assert found_in(shop.config.data_dir, CARD, CARD.replace(" ", ""), PASSWORD_TYPED) == []
    texts = [m.text for m in await shop.shell.store.messages_after(chat_id, 0, limit=20)]
    assert "Co-browsing started: Ann Agent sees this page." in texts and "Co-browsing stopped." in texts


async def test_the_requestor_says_no_and_starts_later_itself(shop: Shop, new_page: Callable[..., Any]) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    await page.goto(shop.url("/widget/checkout.html"))
    await page.locator(".od-launcher").click()
    await request_chat(page, "Question about delivery")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await ann.cobrowse_invite(chat_id)
    bar = page.locator("onduty-cobrowse .bar")
    await bar.get_by_role("button", name="No").click()
    await expect(bar).to_be_hidden()
    declined = await next_event(ann, CobrowseUpdate, lambda u: u.status is not CobrowseStatus.INVITED)
    assert declined.status is CobrowseStatus.DECLINED

    share = page.locator("onduty-cobrowse .share")
    await expect(share).to_have_text("Share this page with Ann Agent")
    await share.click()
    await expect(bar).to_contain_text("Your page is shared with Ann Agent")
    assert (await next_event(ann, CobrowseUpdate, lambda u: u.status is CobrowseStatus.ACTIVE)).by is not None
    await ann.cobrowse_stop(chat_id)
    await expect(bar).to_be_hidden()
    await expect(share).to_be_visible()

    await share.click()  # shared again; the chat's end stops it
    await expect(bar).to_contain_text("Your page is shared with Ann Agent")
    await ann.end_chat(chat_id)
    await expect(bar).to_be_hidden()
    await expect(share).to_be_hidden()


async def test_a_site_with_co_browsing_off_declines_at_once(shop: Shop, new_page: Callable[..., Any]) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    loaded: list[str] = []
    page.on("request", lambda r: loaded.append(r.url))
    await page.goto(shop.url("/widget/checkout.html?cobrowse=off"))
    await page.locator(".od-launcher").click()
    await request_chat(page, "Where is my parcel?")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await expect(page.locator(".od-notice", has_text="Ann Agent joined the chat.")).to_be_visible()
    await ann.cobrowse_invite(chat_id)
    declined = await next_event(ann, CobrowseUpdate, lambda u: u.status is not CobrowseStatus.INVITED)
    assert declined.status is CobrowseStatus.DECLINED
    await expect(page.locator("onduty-cobrowse")).to_have_count(0)  # no Share button, no bar
    assert not any("cobrowse-record.js" in url for url in loaded)
