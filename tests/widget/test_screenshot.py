"""The widget mid-chat on the demo shop page, as a picture: always taken (so the scene keeps working),
written to docs/img/widget-chat.png when ONDUTY_SCREENSHOTS=1 (the picture in the docs)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from onduty.server.auth import Passwords
from onduty.server.store import AgentRecord
from onduty.shared.messages import ChatAssigned, ChatMessage

from .conftest import PASSWORD, ROOT, Shop, next_event
from .steps import open_widget, request_chat, say

GUIDE = b"%PDF-1.4\n% packing guide\n" + b"0" * 180_000


async def test_screenshot_mid_chat(shop: Shop, new_page: Callable[..., Any], tmp_path: Path) -> None:
    await shop.shell.store.add_agent(
        AgentRecord("jana", "Jana Novak", "EMEA", "CIM", ("cim-emea",), Passwords(1, 64).hash(PASSWORD))
    )
    jana = await shop.agent("jana")
    page: Page = await new_page(viewport={"width": 1280, "height": 800})
    await open_widget(page, shop)
    await request_chat(page, "Hi! Does the Fjell 2 fit two adults with their backpacks?")
    chat_id = (await next_event(jana, ChatAssigned)).chat.chat_id
    await next_event(jana, ChatMessage)
    await jana.send(chat_id, "Hello Rita, I'm Jana from Nordwind support. Yes: each vestibule takes one "
                             "backpack. Sizes are here: https://shop.example/fjell-2/sizes")
    await jana.upload_file(chat_id, GUIDE, "fjell-2-packing-guide.pdf", content_type="application/pdf",
                           caption="And our packing guide.")
    await expect(page.locator(".od-peer button.od-file")).to_be_visible()
    await say(page, "Great, thanks! Are the titanium pegs included?")
    await next_event(jana, ChatMessage, lambda m: m.text.startswith("Great"))
    await jana.typing(chat_id, True)
    await expect(page.locator(".od-typing")).to_have_text("Jana Novak is typing…")
    await expect(page.locator(".od-own .od-state").last).to_have_text("Sent")
    await page.locator(".od-input").blur()
    target = ROOT / "docs" / "img" / "widget-chat.png" if os.environ.get("ONDUTY_SCREENSHOTS") else tmp_path / "w.png"
    await page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
