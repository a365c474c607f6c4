"""Right-to-left text on the customer's case page (server-rendered HTML): each message, the case title and the
answer box are laid out by their own direction (dir="auto") on the English page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.async_api import Page

from onduty.server.auth import token_hash
from onduty.server.core.cases import SYSTEM, Priority, Requestor
from onduty.server.store.base import case_store
from onduty.server.store.records import NewCase
from onduty.shared.cases import SendMode

from .conftest import Shop

ARABIC = "مرحبا، طلبك رقم 4711 في الطريق"
HEBREW = "שלום, ההזמנה שלך נשלחה היום"
TOKEN = "t" * 32


async def _case(shop: Shop) -> None:
    store, now = case_store(shop.shell.store), shop.clock()
    case = await store.create_case(NewCase(
        title=HEBREW, description="", queue="cim-emea", priority=Priority.MEDIUM,
        requestor=Requestor("Rita", "rita@example.com", None, None), created_by=SYSTEM, at=now, source="api",
    ), token_hash("unused"))
    for text in (ARABIC, "Your order left our warehouse today.", HEBREW):
        await store.add_external_info(case.number, SendMode.SAVE, "ann", "Ann Agent", text, now)
    await store.add_case_token(case.number, token_hash(TOKEN), now)


async def _direction(page: Page, selector: str, text: str) -> str:
    return str(await page.locator(selector, has_text=text).evaluate("el => getComputedStyle(el).direction"))


async def test_each_case_message_is_laid_out_in_its_own_direction(shop: Shop, new_page: Callable[..., Any]) -> None:
    await _case(shop)
    page: Page = await new_page()
    await page.goto(shop.url(f"/case/{TOKEN}"))
    assert await page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    assert await _direction(page, "p.text", ARABIC) == "rtl"
    assert await _direction(page, "p.text", HEBREW) == "rtl"
    assert await _direction(page, "p.text", "warehouse") == "ltr"
    assert await _direction(page, "h1 bdi", HEBREW) == "rtl"
    answer = page.locator("textarea#text")
    await answer.fill(ARABIC)
    assert await answer.evaluate("el => getComputedStyle(el).direction") == "rtl"
    await answer.fill("Thanks, see you")
    assert await answer.evaluate("el => getComputedStyle(el).direction") == "ltr"
