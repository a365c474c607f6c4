"""Before an agent joins: the waiting line with its live position, the drop after the queue's limit
with the callback form, and a queue with nobody on duty (callback form at once), in German, by
keyboard, on a phone-sized screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, expect

from onduty.shared.types import ChatState, Presence

from .conftest import Shop
from .steps import open_widget, request_chat


async def test_waiting_line_live_position_and_drop_with_callback(shop: Shop, new_page: Callable[..., Any]) -> None:
    ann = await shop.agent("ann")
    await ann.set_presence(Presence.BUSY)  # on duty but not free: requests wait in line
    first: Page = await new_page()
    second: Page = await new_page()
    await open_widget(first, shop)
    await request_chat(first, "First in line")
    await expect(first.locator(".od-position")).to_have_text("You are next in line.")
    await open_widget(second, shop)
    await expect(second.locator(".od-note", has_text="1 person is waiting before you.")).to_be_visible()
    await request_chat(second, "Second in line", name="Sam Second", email="")
    await expect(second.locator(".od-position")).to_have_text("You are number 2 in line.")
    await expect(second.locator(".od-estimate")).to_be_visible()
    await expect(second.locator(".od-sub")).to_have_text("Waiting for an agent")

    # the first requestor gives up: the second moves up, live
    await first.locator(".od-waiting").get_by_role("button", name="Cancel").click()
    await expect(first.locator(".od-notice", has_text="You ended the chat.")).to_be_visible()
    await expect(second.locator(".od-position")).to_have_text("You are next in line.")

    # the queue's limit passes: "all agents are busy", and the callback form instead
    chat_id = next(r.chat_id for r in await shop.shell.store.open_chats() if r.state is ChatState.WAITING)
    shop.advance(121)
    await expect(second.locator(".od-callout-title")).to_have_text("All agents are busy")
    await expect(second.locator(".od-callout")).to_contain_text("please try again later")
    form = second.locator("form.od-callback")
    await expect(form.locator("textarea[name=message]")).to_have_value("Second in line")
    await form.get_by_role("button", name="Call me back").click()
    await expect(form.locator(".od-form-error")).to_have_text("Please give a phone number or an e-mail address.")
    await form.locator("input[name=phone]").fill("+49 30 1234567")
    await form.get_by_role("button", name="Call me back").click()
    await expect(second.locator(".od-callout-thanks")).to_have_text("Thank you. Our team will get back to you.")

    callbacks = await ann.list_callbacks(queue="cim-emea")
    assert len(callbacks) == 1
    callback = callbacks[0]
    assert (callback.name, callback.phone, callback.email, callback.text) == (
        "Sam Second", "+49 30 1234567", None, "Second in line",
    )
    assert callback.chat_id == chat_id
    assert {c.kind for c in callback.context} == {"web_shop", "product", "basket"}


async def test_nobody_on_duty_offers_callback_at_once_german_keyboard_narrow(
    shop: Shop, new_page: Callable[..., Any]
) -> None:
    ann = await shop.agent("ann", on_duty=False)
    page: Page = await new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    await page.goto(shop.url("/widget/?lang=de"))
    launcher = page.locator(".od-launcher")
    await expect(launcher).to_have_text("Chat starten")
    await launcher.focus()
    await page.keyboard.press("Enter")
    heading = page.locator(".od-callout-title")
    await expect(heading).to_have_text("Derzeit ist kein Mitarbeiter im Dienst")
    await expect(heading).to_be_focused()
    assert await page.locator("input[name=request_type]").count() == 0  # no chat form to type into
    box = await page.locator(".od-panel").bounding_box()
    assert box is not None and box["width"] == 375 and box["x"] == 0

    form = page.locator("form.od-callback")
    await form.get_by_label("Ihr Name").fill("Rita Requestor")
    await form.get_by_label("E-Mail").fill("kein-at-zeichen")
    await form.get_by_role("button", name="Rückruf anfordern").click()
    await expect(form.locator(".od-field-error:visible")).to_have_text(
        "Bitte geben Sie eine gültige E-Mail-Adresse ein."
    )
    await form.get_by_label("E-Mail").fill("rita@example.org")
    await form.get_by_label("Wobei können wir Ihnen helfen?").fill("Rückruf wegen Lieferung")
    await form.get_by_label("E-Mail").press("Enter")
    await expect(page.locator(".od-callout-thanks")).to_have_text("Vielen Dank. Unser Team meldet sich bei Ihnen.")
    assert shop.shell.delivery.count() == 0
    callbacks = await ann.list_callbacks(queue="cim-emea")
    assert [(c.email, c.text) for c in callbacks] == [("rita@example.org", "Rückruf wegen Lieferung")]

    await page.keyboard.press("Escape")
    await expect(page.locator(".od-panel")).to_be_hidden()
    await expect(launcher).to_be_focused()
