"""What a requestor does in the widget, as Playwright steps (locators pierce the open shadow root)."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

from .conftest import Shop


async def open_widget(page: Page, shop: Shop, query: str = "") -> None:
    """Load the demo shop page and open the chat panel with the launcher button."""
    await page.goto(shop.url(f"/widget/{query}"))
    await page.locator(".od-launcher").click()
    await expect(page.locator(".od-panel")).to_be_visible()


async def request_chat(page: Page, message: str, *, name: str = "Rita Requestor", email: str = "rita@example.org",
                       request_type: str = "sales_order") -> None:
    """Fill in the pre-chat form and start the chat."""
    form = page.locator("form.od-form")
    await form.locator(f"input[name=request_type][value={request_type}]").check()
    await form.locator("input[name=name]").fill(name)
    await form.locator("input[name=email]").fill(email)
    await form.locator("textarea[name=message]").fill(message)
    await form.get_by_role("button", name="Start chat").click()


async def say(page: Page, text: str) -> None:
    await page.locator(".od-input").fill(text)
    await page.locator(".od-input").press("Enter")


def messages(page: Page) -> Locator:
    return page.locator(".od-log .od-msg")


def bubble(page: Page, text: str) -> Locator:
    return page.locator(".od-log .od-msg .od-text", has_text=text)
