"""A voice call end to end: Debian's chromium (fake microphone and permission prompt) runs the widget's "Call me",
the agent's call code (onduty.client.voice, a tone for a microphone, no sound card) places the call; media is
relayed by coturn on loopback with the server's TURN REST credentials. The agent hears the browser's fake tone,
the browser's inbound-rtp stats show the agent's audio; hang-up from each side; what the requestor reads when the
microphone is refused or missing, or the call finds no network path."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from onduty.client.net.agent import AgentClient
from onduty.client.net.voice import CallSignals
from onduty.client.voice.audio import AudioSink, EnergyMeter, PacedSource, ToneSource
from onduty.client.voice.desk import AgentCalls
from onduty.client.voice.peer import MediaState
from onduty.shared.messages import CallUpdate, ChatAssigned, Message
from onduty.shared.types import CallEndReason, CallState, Role

from ..conftest import Turn
from .conftest import CHROMIUM_ARGS, WAIT, Shop, next_event, running_shop
from .steps import open_widget, request_chat

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


class Heard(EnergyMeter):
    """The agent's speaker: counts the browser's audio, and wakes the test on every frame."""

    def __init__(self, poke: asyncio.Event) -> None:
        super().__init__()
        self._poke = poke

    def write(self, pcm: bytes) -> None:
        super().write(pcm)
        self._poke.set()


class Agent:
    """The tray app's call code for ann, without Qt: AgentClient events -> AgentCalls, a tone out, a meter in."""

    def __init__(self, client: AgentClient) -> None:
        self.client = client
        self.poke = asyncio.Event()
        self.meters: list[Heard] = []
        self.calls = AgentCalls(CallSignals(client), self, on_change=lambda _c: self.poke.set())
        self.seen: list[Message] = []
        self._task = asyncio.ensure_future(self._pump())

    def open(self) -> tuple[PacedSource, AudioSink]:
        self.meters.append(Heard(self.poke))
        return ToneSource(440.0), self.meters[-1]

    async def _pump(self) -> None:
        async for event in self.client.events():
            if isinstance(event, Message):
                self.seen.append(event)
                self.calls.apply(event)
                self.poke.set()

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT):
            while not predicate():
                self.poke.clear()
                await self.poke.wait()

    def update(self, state: CallState) -> Callable[[], bool]:
        return lambda: any(isinstance(m, CallUpdate) and m.call.state is state for m in self.seen[-3:])

    async def close(self) -> None:
        await self.calls.close()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@pytest.fixture
async def voice_shop(tmp_path: Path, widget_built: Path, turn_server: Turn) -> AsyncIterator[Shop]:
    async with running_shop(tmp_path / "data", ice_servers=(turn_server.url,), turn_secret=turn_server.secret,
                            ice_relay_only=True) as the_shop:
        yield the_shop


@pytest.fixture
async def fake_media_browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS + FAKE_MEDIA)
        try:
            yield browser
        finally:
            await browser.close()


async def chatting(shop: Shop, browser: Browser, init_script: str | None = None) -> tuple[Page, Agent, str]:
    agent = Agent(await shop.agent("ann"))
    context = await browser.new_context()
    context.set_default_timeout(WAIT * 1000)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    if init_script:
        await page.add_init_script(init_script)
    await open_widget(page, shop)
    await request_chat(page, "Can you call me about my order?")
    await agent.until(lambda: any(isinstance(m, ChatAssigned) for m in agent.seen))
    chat_id = next(m for m in agent.seen if isinstance(m, ChatAssigned)).chat.chat_id
    await expect(page.locator(".od-call-me")).to_be_visible()
    assert not errors
    return page, agent, chat_id


async def inbound_audio(page: Page) -> Any:
    return await page.wait_for_function(
        """() => {
          window.OnDuty.callStats().then((s) => { window.odCallStats = s; });
          const s = window.odCallStats;
          return s && s.inbound && s.inbound.packetsReceived > 50 && s.inbound.totalAudioEnergy > 0 ? s : null;
        }""", polling=200, timeout=WAIT * 1000)


async def test_call_me_audio_both_ways_and_hang_up_from_each_side(voice_shop: Shop,
                                                                   fake_media_browser: Browser) -> None:
    page, agent, chat_id = await chatting(voice_shop, fake_media_browser)
    try:
        await page.locator(".od-call-me").click()
        await expect(page.locator(".od-call-status")).to_have_text(
            "Call requested: the agent will call you here in a moment.")
        await agent.until(lambda: agent.calls.view(chat_id).asked)
        await agent.calls.place(chat_id)  # the agent's Answer: its offer, answered by the browser by itself
        await agent.until(lambda: agent.calls.view(chat_id).media is MediaState.CONNECTED)
        await expect(page.locator(".od-call-status")).to_have_text("On a call")
        meter = agent.meters[-1]
        await agent.until(meter.heard.is_set)  # the browser's fake microphone tone reached the agent
        assert meter.peak > EnergyMeter.LOUD
        stats = await (await inbound_audio(page)).json_value()  # and the agent's tone reached the browser
        assert stats["inbound"]["bytesReceived"] > 0 and stats["state"] == "connected"
        await expect(page.locator(".od-call-timer")).to_have_text(re.compile(r"^0:0[0-9]$"))
        await expect(page.locator(".od-call-mute")).to_be_visible()

        await page.locator(".od-call-hangup").click()  # the requestor hangs up
        await agent.until(agent.update(CallState.ENDED))
        ended = next(m for m in reversed(agent.seen) if isinstance(m, CallUpdate))
        assert (ended.call.ended_by, ended.call.reason) == (Role.REQUESTOR, CallEndReason.HUNG_UP)
        assert chat_id not in agent.calls.peers
        await expect(page.locator(".od-call-status")).to_have_text(re.compile(r"^Call ended after 0:"))
        assert await page.evaluate("window.OnDuty.callStats()") is None

        # a second call, placed by the agent without being asked: Answer in the browser; the agent hangs up
        await agent.calls.place(chat_id)
        await expect(page.locator(".od-call-status")).to_have_text("The agent is calling you.")
        await page.locator(".od-call-answer").click()
        await agent.until(lambda: agent.calls.view(chat_id).media is MediaState.CONNECTED)
        await inbound_audio(page)
        await agent.calls.hang_up(chat_id)
        await expect(page.locator(".od-call-status")).to_have_text(re.compile(r"^Call ended after 0:"))
        # the agent's transcript lines reach the page as notices, not as the agent's messages
        await expect(page.locator(".od-notice-call", has_text="Calling")).to_be_visible()
        await expect(page.locator(".od-notice-call", has_text=re.compile(r"^Call ended after 0:"))).to_be_visible()
        assert await page.locator(".od-log .od-msg", has_text="Call ended").count() == 0
        await expect(page.locator(".od-call-me")).to_be_visible()
        texts = [m.text for m in await voice_shop.shell.store.messages_after(chat_id, 0, 50)]
        assert texts[1:3] == ["Call requested", "Call started"] and texts[3].startswith("Call ended after 0:")
        assert texts[4:6] == ["Calling", "Call started"] and texts[6].startswith("Call ended after 0:")
    finally:
        await agent.close()


@pytest.mark.parametrize(("error", "shown", "reason"), [
    ("NotAllowedError", "your browser did not allow it", CallEndReason.PERMISSION_DENIED),
    ("NotFoundError", "No microphone was found", CallEndReason.NO_DEVICE),
])
async def test_a_refused_or_missing_microphone_is_said_and_the_chat_goes_on(
        voice_shop: Shop, fake_media_browser: Browser, error: str, shown: str, reason: CallEndReason) -> None:
    refuse = ("navigator.mediaDevices.getUserMedia = () => "
              f"Promise.reject(new DOMException('refused by the test', '{error}'));")
    page, agent, chat_id = await chatting(voice_shop, fake_media_browser, refuse)
    try:
        await page.locator(".od-call-me").click()
        await agent.until(lambda: agent.calls.view(chat_id).asked)
        await agent.calls.place(chat_id)
        await expect(page.locator(".od-call-problem")).to_contain_text(shown)
        await agent.until(agent.update(CallState.ENDED))
        view = agent.calls.view(chat_id)
        assert view.info is not None and view.info.reason is reason and view.info.ended_by is Role.REQUESTOR
        assert view.problem.startswith("The requestor")  # the agent reads why
        await expect(page.locator(".od-input")).to_be_enabled()  # the chat goes on
        await expect(page.locator(".od-call-me")).to_be_visible()
    finally:
        await agent.close()


async def test_no_network_path_is_said_on_the_requestors_side(voice_shop: Shop, fake_media_browser: Browser) -> None:
    page, agent, chat_id = await chatting(voice_shop, fake_media_browser)
    try:
        await page.locator(".od-call-me").click()
        await agent.until(lambda: agent.calls.view(chat_id).asked)
        await agent.calls.place(chat_id)
        await agent.until(lambda: agent.calls.view(chat_id).media is MediaState.CONNECTED)
        agent.calls._media_changed(chat_id, MediaState.FAILED)  # what aiortc reports when ICE fails
        await expect(page.locator(".od-call-problem")).to_have_text(
            "The call could not connect: your network may block it. You can keep chatting.")
        assert agent.calls.view(chat_id).problem.startswith("No network path for the audio")
    finally:
        await agent.close()


async def test_call_me_chosen_before_the_chat_is_asked_for_when_the_agent_joins(
        voice_shop: Shop, fake_media_browser: Browser) -> None:
    agent = Agent(await voice_shop.agent("ann"))
    page = await (await fake_media_browser.new_context()).new_page()
    try:
        await open_widget(page, voice_shop)
        choice = page.locator("form.od-form input[name=call_me]")
        await expect(choice).to_be_visible()  # the queue offers calls (voice_available)
        await choice.check()
        await request_chat(page, "Please call me about my order")
        await agent.until(lambda: any(v.asked for v in agent.calls.views.values()))
        await expect(page.locator(".od-call-status")).to_have_text(
            "Call requested: the agent will call you here in a moment.")
    finally:
        await page.context.close()
        await agent.close()


async def test_a_queue_without_calls_offers_no_call(tmp_path: Path, widget_built: Path,
                                                    fake_media_browser: Browser) -> None:
    async with running_shop(tmp_path / "data", voice_queues=("shop-b2b",)) as shop:
        page = await (await fake_media_browser.new_context()).new_page()
        agent = await shop.agent("ann")
        await open_widget(page, shop)
        await expect(page.locator("form.od-form")).to_be_visible()
        await expect(page.locator("form.od-form input[name=call_me]")).to_be_hidden()
        await request_chat(page, "No call please")
        await next_event(agent, ChatAssigned)
        await expect(page.locator(".od-notice", has_text="Ann Agent joined the chat.")).to_be_visible()
        assert not await page.locator(".od-call-me").is_visible()
        await page.context.close()
