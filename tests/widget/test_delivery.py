"""Delivery state per message (protocol 2): the widget matches each answer to its request by ``req`` and a
refused send by ``error.client_msg_id``, never by order. The server's store is held back here (it runs in the
test's event loop) so that the answers come in a known order: a later send refused before an earlier one is
stored (two sends written back to back, as after a reconnect: the server takes the next frame while a send is
being stored, but only another send), and a send stored after the chat ended."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any

import msgpack
from playwright.async_api import Locator, Page, WebSocket, expect

from onduty.server.store import StoredMessage
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import ChatAssigned, ChatMessage

from .conftest import WAIT, Shop, next_event
from .steps import open_widget, request_chat, say


def state(page: Page, text: str) -> Locator:
    """The delivery state under the requestor's bubble with ``text``."""
    return page.locator(".od-log .od-own", has=page.locator(".od-text", has_text=text)).locator(".od-state")


def record_frames(page: Page) -> list[dict[str, Any]]:
    """Every frame the page writes on its WebSockets, decoded."""
    frames: list[dict[str, Any]] = []

    def watch(ws: WebSocket) -> None:
        ws.on("framesent", lambda payload: frames.append(msgpack.unpackb(payload)))

    page.on("websocket", watch)
    return frames


class HeldStore:
    """Wraps the shell's ``append_message``: a message with text in ``hold`` waits until released; one with text
    in ``refuse`` is refused once as ``unavailable`` (the database failed: nothing stored)."""

    def __init__(self, shop: Shop, hold: str, refuse: str | None = None) -> None:
        self.original: Callable[..., Awaitable[tuple[StoredMessage, bool]]] = shop.shell.store.append_message
        self.hold, self.refuse = hold, refuse
        self.entered, self.released = asyncio.Event(), asyncio.Event()
        self.refused: list[str | None] = []

    def append_message(self, chat_id: str, sender: Any, sender_name: str, text: str, at: float,
                       client_msg_id: str | None, file: Any = None) -> asyncio.Future[tuple[StoredMessage, bool]]:
        """A future, as the store's contract says: the held write is queued when it is released."""
        return asyncio.ensure_future(self._append(chat_id, sender, sender_name, text, at, client_msg_id, file))

    async def _append(self, chat_id: str, sender: Any, sender_name: str, text: str, at: float,
                      client_msg_id: str | None, file: Any) -> tuple[StoredMessage, bool]:
        if text == self.hold:
            self.entered.set()
            await self.released.wait()
        elif text == self.refuse and not self.refused:
            self.refused.append(client_msg_id)
            raise ProtocolError(ErrorCode.UNAVAILABLE, "could not store: send it again later")
        return await self.original(chat_id, sender, sender_name, text, at, client_msg_id, file)

    async def wait_entered(self) -> None:
        async with asyncio.timeout(WAIT):
            await self.entered.wait()


async def started_chat(shop: Shop, page: Page) -> tuple[Any, str]:
    ann = await shop.agent("ann")
    await open_widget(page, shop)
    await request_chat(page, "Hello")
    chat_id = (await next_event(ann, ChatAssigned)).chat.chat_id
    await next_event(ann, ChatMessage, lambda m: m.text == "Hello")
    await expect(page.locator(".od-notice", has_text="Ann Agent joined the chat.")).to_be_visible()
    await expect(state(page, "Hello")).to_have_text("Sent")
    return ann, chat_id


async def test_a_refused_send_fails_its_own_bubble_even_when_answered_first(
    shop: Shop, new_page: Callable[..., Any], monkeypatch: Any
) -> None:
    page: Page = await new_page()
    frames = record_frames(page)
    ann, chat_id = await started_chat(shop, page)

    # two messages written offline go out back to back after the reconnect (same client_msg_ids); "first" is
    # being stored (held) when "second" is refused: the error comes before first's `sent`
    await page.context.set_offline(True)
    await page.evaluate("window.OnDuty.reconnect()")
    await expect(page.locator(".od-banner")).to_contain_text("Connection lost. Reconnecting…")
    await say(page, "first")
    await say(page, "second")
    await expect(page.locator(".od-own .od-state")).to_have_text(["Sent", "Sending", "Sending"])
    held = HeldStore(shop, hold="first", refuse="second")
    monkeypatch.setattr(shop.shell.store, "append_message", held.append_message)
    await page.context.set_offline(False)
    await held.wait_entered()
    await expect(state(page, "second")).to_have_class(re.compile(r"\bod-state-failed\b"))
    await expect(state(page, "second")).to_contain_text("Not sent")
    await expect(state(page, "first")).to_have_text("Sending")

    held.released.set()
    await next_event(ann, ChatMessage, lambda m: m.text == "first")
    await expect(state(page, "first")).to_have_text("Sent")
    await expect(state(page, "second")).to_contain_text("Not sent")

    # Retry writes it again with the same client_msg_id (and a new req); now it is stored
    await state(page, "second").get_by_role("button", name="Retry").click()
    await next_event(ann, ChatMessage, lambda m: m.text == "second")
    await expect(state(page, "second")).to_have_text("Sent")
    await expect(page.locator(".od-own .od-state")).to_have_text(["Sent", "Sent", "Sent"])
    stored = await shop.shell.store.messages_after(chat_id, 0, limit=100)
    assert [m.text for m in stored] == ["Hello", "first", "second"]
    assert [m.client_msg_id for m in stored if m.text == "second"] == held.refused

    # on the wire: protocol 3 on both connections, a fresh req on every frame, the retried send with the
    # refused one's client_msg_id
    hellos = [f for f in frames if f["t"] == "hello"]
    assert [f["protocol"] for f in hellos] == [3, 3]
    reqs = [f.get("req") for f in frames]
    assert all(isinstance(r, str) and 1 <= len(r) <= 64 for r in reqs), frames
    assert len(set(reqs)) == len(reqs), reqs
    seconds = [f for f in frames if f["t"] == "send" and f["text"] == "second"]
    assert len(seconds) == 2
    assert seconds[0]["client_msg_id"] == seconds[1]["client_msg_id"] == held.refused[0]


async def test_a_send_stored_after_the_chat_ended_still_turns_sent(
    shop: Shop, new_page: Callable[..., Any], monkeypatch: Any
) -> None:
    page: Page = await new_page()
    ann, chat_id = await started_chat(shop, page)
    held = HeldStore(shop, hold="last words")
    monkeypatch.setattr(shop.shell.store, "append_message", held.append_message)

    await say(page, "last words")
    await held.wait_entered()
    await ann.end_chat(chat_id)
    await expect(page.locator(".od-notice", has_text="Ann Agent left the chat.")).to_be_visible()
    await expect(state(page, "last words")).to_have_text("Sending")

    # the widget keeps the connection until its send is answered
    held.released.set()
    await expect(state(page, "last words")).to_have_text("Sent")
    assert [m.text for m in await shop.shell.store.messages_after(chat_id, 0, limit=100)] == ["Hello", "last words"]
