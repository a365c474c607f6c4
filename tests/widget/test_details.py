"""Widget details requestors and shops stumbled over: the shop's brand colour (and text on it that stays
readable), every request type readable in English and German with none chosen for the visitor, the callback
form's buttons not cut off, and a question when ending the chat."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import Page, expect

from onduty.shared.messages import ChatAssigned

from .conftest import Shop, next_event
from .steps import open_widget, request_chat


def rgb(css: str) -> tuple[int, ...]:
    return tuple(int(float(v)) for v in css[css.index("(") + 1:css.index(")")].split(",")[:3])


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    def lum(c: tuple[int, ...]) -> float:
        r, g, b_ = ((v / 255) / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in c)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


async def style(page: Page, selector: str, prop: str) -> str:
    return str(await page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}"))


@pytest.mark.parametrize("brand", ["#2f5d2a", "#e5a452", "#ffeb3b"])
async def test_the_brand_colour_is_used_and_text_stays_readable(
    shop: Shop, new_page: Callable[..., Any], brand: str,
) -> None:
    await shop.agent("ann")  # on duty: the chat form, with its radio buttons
    page: Page = await new_page()
    await page.goto(shop.url(f"/widget/?brand={quote(brand)}"))
    launcher = ".od-launcher"
    accent = rgb(await style(page, launcher, "backgroundColor"))
    assert accent == tuple(int(brand[i:i + 2], 16) for i in (1, 3, 5))
    assert contrast(accent, rgb(await style(page, launcher, "color"))) >= 4.5  # white or dark text on it
    await page.locator(launcher).click()
    await expect(page.locator("form.od-form")).to_be_visible()
    assert rgb(await style(page, ".od-header", "backgroundColor")) == accent
    assert rgb(await style(page, ".od-primary", "backgroundColor")) == accent
    # Brand-coloured text on white (a light orange or yellow is darkened for it).
    option = await style(page, ".od-choice .od-option input", "accentColor")
    assert contrast(rgb(option), (255, 255, 255)) >= 4.5


async def test_a_wrong_colour_keeps_the_built_in_blue(shop: Shop, new_page: Callable[..., Any]) -> None:
    page: Page = await new_page()
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    await page.goto(shop.url("/widget/?brand=green"))
    assert rgb(await style(page, ".od-launcher", "backgroundColor")) == (0x0B, 0x5C, 0xAD)
    assert any("brandColor" in w for w in warnings)


@pytest.mark.parametrize("lang", ["en", "de"])
async def test_every_request_type_reads_in_full_and_one_must_be_chosen(
    shop: Shop, new_page: Callable[..., Any], lang: str,
) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page(viewport={"width": 1280, "height": 800})
    await open_widget(page, shop, f"?lang={lang}")
    options = page.locator(".od-choice .od-option")
    await expect(options).to_have_count(4)
    for i in range(4):  # no option's text is cut: each wraps inside its box
        clipped = await options.nth(i).evaluate("e => e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight")
        assert not clipped
    assert await page.locator("input[name=request_type]:checked").count() == 0
    form = page.locator("form.od-form")
    await form.locator("input[name=name]").fill("Rita Requestor")
    await form.locator("textarea[name=message]").fill("Where is my order?")
    await form.locator("button[type=submit]").click()
    error = page.locator(".od-choice .od-field-error")
    await expect(error).to_be_visible()
    assert await page.locator("input[name=request_type]").first.evaluate("e => e === e.getRootNode().activeElement")
    await form.locator("input[name=request_type][value=sales_order]").check()
    await form.locator("button[type=submit]").click()
    assert (await next_event(ann, ChatAssigned)).chat.request_type.value == "sales_order"


@pytest.mark.parametrize("lang", ["en", "de"])
async def test_the_callback_forms_buttons_are_whole(shop: Shop, new_page: Callable[..., Any], lang: str) -> None:
    page: Page = await new_page(viewport={"width": 1280, "height": 800})
    await open_widget(page, shop, f"?lang={lang}")  # nobody on duty: the callback form
    again = page.locator(".od-try-again")
    await again.scroll_into_view_if_needed()
    for button in (again, page.locator(".od-callback button[type=submit]")):
        height = await button.evaluate("e => e.getBoundingClientRect().height")
        assert height >= 36 and not await button.evaluate("e => e.scrollHeight > e.clientHeight")
    panel = await page.locator(".od-body").bounding_box()
    box = await again.bounding_box()
    assert panel is not None and box is not None and box["y"] + box["height"] <= panel["y"] + panel["height"] + 1


async def test_ending_the_chat_asks_a_question_first(shop: Shop, new_page: Callable[..., Any]) -> None:
    ann = await shop.agent("ann")
    page: Page = await new_page()
    await open_widget(page, shop)
    await request_chat(page, "Hello")
    await next_event(ann, ChatAssigned)
    await page.locator(".od-header .od-end").click()
    group = page.get_by_role("group", name="End this chat?")
    await expect(group).to_be_visible()
    await expect(group.get_by_role("button", name="End chat")).to_be_focused()
    await group.get_by_role("button", name="Cancel").click()
    await expect(group).to_be_hidden()
