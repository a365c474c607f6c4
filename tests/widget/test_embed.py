"""The snippet on another site's page: a web shop on its own origin adds one <script> tag. The
widget talks to the OnDuty server across origins (WebSocket origin allowlist, CORS for files),
and the shop's own CSS does not reach into the widget."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Page, expect

from onduty.shared.messages import ChatAssigned, ChatMessage

from .conftest import Shop, next_event, running_shop
from .steps import request_chat

HOST_PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Another shop</title><link rel="icon" href="data:,">
<style>* {{ font-family: Georgia, serif !important; }} button {{ text-transform: uppercase; background: red; }}
li {{ color: red; }} ol, p {{ margin: 40px; }}</style>
<script src="{server}/widget/onduty.js" data-queue="cim-emea" data-lang="en" data-name="Ola Host"
  data-product-id="SKU-1" data-web-shop-id="OTHER-SHOP" data-login-page="true"
  data-basket='[{{"productId": "SKU-1", "title": "Lamp", "quantity": 3}}]' async></script>
</head><body><h1>Another shop</h1><button>Buy</button></body></html>
"""


@dataclass
class HostSite:
    """A web shop on its own loopback origin; its page points at ``onduty`` (the OnDuty server's URL)."""

    server: TestServer | None = None
    onduty: str = ""

    @property
    def origin(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("")).rstrip("/")


@pytest.fixture
async def host_site() -> AsyncIterator[HostSite]:
    site = HostSite()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=HOST_PAGE.format(server=site.onduty), content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    site.server = TestServer(app, host="127.0.0.1", port=0)
    await site.server.start_server()
    yield site
    await site.server.close()


async def test_snippet_on_another_origin(
    host_site: HostSite, tmp_path: Path, widget_built: Path, new_page: Callable[..., Any]
) -> None:
    origin = host_site.origin
    async with running_shop(tmp_path / "data", allowed_origins=(origin,)) as shop:
        host_site.onduty = shop.base
        await chat_from_another_origin(shop, origin, new_page, tmp_path)


async def chat_from_another_origin(shop: Shop, origin: str, new_page: Callable[..., Any], tmp_path: Path) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    await page.goto(origin + "/")
    launcher = page.locator(".od-launcher")
    await expect(launcher).to_have_text("Chat with us")  # data-lang wins over the page's lang
    styles = await launcher.evaluate("e => [getComputedStyle(e).textTransform, getComputedStyle(e).fontFamily]")
    assert styles[0] == "none" and "Georgia" not in styles[1]
    await launcher.click()
    await expect(page.locator("input[name=name]")).to_have_value("Ola Host")
    await request_chat(page, "Is the lamp dimmable?", name="Ola Host")
    assigned = await next_event(ann, ChatAssigned)
    context = {c.kind: c for c in assigned.chat.context}
    assert context["product"].id == "SKU-1"
    assert context["web_shop"].fields["on_login_page"] == "true"
    assert context["basket"].fields == {"item 01": "3 x SKU-1 Lamp"}
    chat_id = assigned.chat.chat_id
    await next_event(ann, ChatMessage)

    # files across origins: the upload and the download go through CORS with the chat's token
    await ann.upload_file(chat_id, b"lamp manual", "lamp.txt", content_type="text/plain")
    async with page.expect_download() as info:
        await page.locator(".od-peer button.od-file").click()
    saved = tmp_path / "lamp.txt"
    await (await info.value).save_as(saved)
    assert saved.read_bytes() == b"lamp manual"
    await page.locator(".od-file-input").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": b"\x89PNG fake"}]
    )
    got = await next_event(ann, ChatMessage, lambda m: m.file is not None)
    assert got.file is not None and got.file.name == "photo.png"
    await expect(page.locator(".od-own .od-state").last).to_have_text("Sent")


async def test_snippet_on_an_origin_that_is_not_allowed_says_so(
    host_site: HostSite, tmp_path: Path, widget_built: Path, new_page: Callable[..., Any]
) -> None:
    async with running_shop(tmp_path / "data", allowed_origins=("https://some-other-shop.example",)) as shop:
        host_site.onduty = shop.base
        page: Page = await new_page()
        await page.goto(host_site.origin + "/")
        await page.locator(".od-launcher").click()
        await expect(page.get_by_text("The chat is not available on this site.")).to_be_visible()
