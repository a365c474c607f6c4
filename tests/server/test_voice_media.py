"""Audio flows: the agent's call code (onduty.client.voice, a tone as its microphone) calls an aiortc requestor
through the real server's signalling, media relayed by coturn on loopback with TURN REST credentials from the
server. Both sides hear the other's tone; mute silences the agent; hang-up ends both."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from onduty.client.net.agent import AgentClient
from onduty.client.net.errors import RequestFailed
from onduty.client.net.voice import CallSignals
from onduty.client.voice.audio import AudioSink, EnergyMeter, Mono48k, PacedSource, ToneSource, rms
from onduty.client.voice.desk import AgentCalls, Media, NoAudioDevice
from onduty.client.voice.peer import MediaState, configuration
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    CallAnswer,
    CallRequest,
    CallUpdate,
    ChatAssigned,
    Message,
    PeerOffer,
)
from onduty.shared.types import CallEndReason, CallState, Role

from ..conftest import Turn
from .conftest import request
from .harness import PASSWORD, Harness, Wire

WAIT = 15.0


class Poke:
    """Set by everything a test waits on (the agent's call changed, a meter heard a frame, a message came)."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def __call__(self, *_: object) -> None:
        self.event.set()

    async def until(self, predicate: Callable[[], bool], what: str) -> None:
        async with asyncio.timeout(WAIT):
            while not predicate():
                self.event.clear()
                await self.event.wait()
        assert predicate(), what


class Meter(EnergyMeter):
    def __init__(self, poke: Poke) -> None:
        super().__init__()
        self._poke = poke
        self.quiet = 0
        """Frames in a row without sound."""

    def write(self, pcm: bytes) -> None:
        super().write(pcm)
        self.quiet = self.quiet + 1 if rms(pcm) < EnergyMeter.LOUD else 0
        self._poke()

    def close(self) -> None:
        super().close()
        self._poke()


class Tone:
    """The agent's media: a tone out, a meter in."""

    def __init__(self, poke: Poke) -> None:
        self.source = ToneSource(440.0)
        self.meter = Meter(poke)

    def open(self) -> tuple[PacedSource, AudioSink]:
        return self.source, self.meter


class NoDevices:
    def open(self) -> tuple[PacedSource, AudioSink]:
        raise NoAudioDevice("No microphone found. Plug one in or choose one in Settings.")


@pytest.fixture
async def server(tmp_path: Path, turn_server: Turn) -> AsyncIterator[Harness]:
    h = Harness(tmp_path / "data", ice_servers=(turn_server.url,), turn_secret=turn_server.secret,
                ice_relay_only=True)
    await h.seed()
    await h.start()
    yield h
    await h.close()


async def pump(client: AgentClient, calls: AgentCalls, seen: list[Message], poke: Poke) -> None:
    async for event in client.events():
        if isinstance(event, Message):
            seen.append(event)
            calls.apply(event)
            poke()


class BrowserLike:
    """The requestor's end, as a browser would do it: answer the offer with aiortc, a 660 Hz tone out."""

    def __init__(self, update: CallUpdate, poke: Poke) -> None:
        self.pc = RTCPeerConnection(configuration(update.call))
        self.source = ToneSource(660.0)
        self.pc.addTrack(self.source)
        self.meter = Meter(poke)
        self._reader: asyncio.Task[None] | None = None
        self.pc.on("track", self._track)

    def _track(self, track: MediaStreamTrack) -> None:
        self._reader = asyncio.ensure_future(self._read(track))

    async def _read(self, track: MediaStreamTrack) -> None:
        convert = Mono48k()
        with contextlib.suppress(MediaStreamError):
            while True:
                self.meter.write(convert(await track.recv()))  # type: ignore[arg-type]

    async def answer(self, offer: PeerOffer) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    async def close(self) -> None:
        await self.pc.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


async def signed_in(h: Harness, media: Media, poke: Poke) -> tuple[AgentClient, AgentCalls, list[Message],
                                                                      asyncio.Task[None]]:
    client = AgentClient(h.url("/"), "ann", password=PASSWORD)
    calls = AgentCalls(CallSignals(client), media, on_change=poke)
    seen: list[Message] = []
    task = asyncio.ensure_future(pump(client, calls, seen, poke))
    await client.start()
    await client.wait_ready()
    await client.set_duty(True)
    return client, calls, seen, task


async def chat(h: Harness, seen: list[Message], poke: Poke) -> tuple[Wire, str]:
    rita, requested = await request(h)
    await poke.until(lambda: any(isinstance(m, ChatAssigned) for m in seen), "the chat reached the agent")
    return rita, requested.chat_id


async def test_the_agent_and_the_requestor_hear_each_other_through_a_turn_relay(server: Harness) -> None:
    h = server
    poke = Poke()
    media = Tone(poke)
    client, calls, seen, task = await signed_in(h, media, poke)
    browser: BrowserLike | None = None
    try:
        rita, chat_id = await chat(h, seen, poke)
        await rita.send(CallRequest(chat_id=chat_id))
        asked = await rita.until(CallUpdate, lambda u: u.call.state is CallState.REQUESTED)
        assert asked.call.relay_only and asked.call.ice_servers[0].username
        await poke.until(lambda: calls.view(chat_id).asked, "the agent sees the request")

        await calls.place(chat_id)  # Answer: the agent makes the offer
        offer = await rita.until(PeerOffer)
        assert "typ relay" in offer.sdp and "typ host" not in offer.sdp  # relay only: no address given away
        browser = BrowserLike(asked, poke)
        await rita.send(CallAnswer(chat_id=chat_id, call_id=offer.call_id, sdp=await browser.answer(offer)))
        await rita.until(CallUpdate, lambda u: u.call.state is CallState.ACTIVE)

        await poke.until(lambda: calls.view(chat_id).media is MediaState.CONNECTED, "the agent's media connected")
        await asyncio.wait_for(media.meter.heard.wait(), WAIT)   # the agent hears the requestor's tone
        await asyncio.wait_for(browser.meter.heard.wait(), WAIT)  # and the requestor the agent's
        assert media.meter.peak > 0.1 and browser.meter.peak > 0.1
        assert calls.view(chat_id).elapsed(calls.clock()) is not None

        calls.mute(chat_id, True)
        await poke.until(lambda: browser.meter.quiet >= 10, "muted: the requestor hears silence")
        calls.mute(chat_id, False)
        await poke.until(lambda: browser.meter.quiet == 0, "unmuted: the tone again")

        await calls.hang_up(chat_id)
        ended = await rita.until(CallUpdate, lambda u: u.call.state is CallState.ENDED)
        assert (ended.call.ended_by, ended.call.reason) == (Role.AGENT, CallEndReason.HUNG_UP)
        assert ended.call.duration_s is not None and ended.call.text.startswith("Call ended after 0:")
        assert chat_id not in calls.peers
        await poke.until(lambda: media.meter.closed, "the agent's sink was let go")
        texts = [m.text for m in await h.shell.store.messages_after(chat_id, 0, 50)]
        assert texts[1:3] == ["Call requested", "Call started"] and texts[3].startswith("Call ended after 0:")
    finally:
        if browser is not None:
            await browser.close()
        await calls.close()
        await client.close()
        task.cancel()


async def test_without_a_microphone_the_agent_is_told_and_the_requestor_learns_no_device(server: Harness) -> None:
    h = server
    poke = Poke()
    client, calls, seen, task = await signed_in(h, NoDevices(), poke)
    try:
        rita, chat_id = await chat(h, seen, poke)
        await rita.send(CallRequest(chat_id=chat_id))
        await poke.until(lambda: calls.view(chat_id).asked, "the agent sees the request")
        await calls.place(chat_id)
        ended = await rita.until(CallUpdate, lambda u: u.call.state is CallState.ENDED)
        assert (ended.call.reason, ended.call.text) == (CallEndReason.NO_DEVICE,
                                                        "Call failed: no microphone or speaker")
        assert calls.view(chat_id).problem.startswith("No microphone found")
        await rita.send(CallRequest(chat_id=chat_id))  # the chat (and calls) go on
        assert (await rita.until(CallUpdate)).call.state is CallState.REQUESTED
    finally:
        await calls.close()
        await client.close()
        task.cancel()


async def test_an_offer_refused_as_invalid_sdp_reaches_the_caller_as_its_code(server: Harness) -> None:
    h = server
    poke = Poke()
    client, calls, seen, task = await signed_in(h, Tone(poke), poke)
    try:
        rita, chat_id = await chat(h, seen, poke)
        info = await calls.signals.request(chat_id)
        with pytest.raises(RequestFailed) as refused:
            await calls.signals.offer(chat_id, info.call_id, "v=0\r\nm=video 9 x\r\n")
        assert refused.value.code is ErrorCode.INVALID_SDP
        assert not [m for m in rita.seen if isinstance(m, PeerOffer)]
    finally:
        await calls.close()
        await client.close()
        task.cancel()
