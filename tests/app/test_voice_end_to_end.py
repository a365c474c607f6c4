"""The tray app end to end: signed in to a real server (TURN REST credentials, coturn on loopback, relay only),
a requestor asks for a call; the chat window comes up with Answer; the agent's click places the call with the
app's call code (a tone for a microphone: no sound card); an aiortc requestor answers; both hear each other; the
bar shows the timer, Mute silences the agent, Hang up ends the call for the requestor; the transcript has it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiortc import RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from onduty.client.app.app import AgentApp
from onduty.client.app.tray.tray import find_action
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Settings, SettingsPaths
from onduty.client.desk.state import TrayState
from onduty.client.net import RequestorClient
from onduty.client.net.voice import CallSignals
from onduty.client.voice.audio import AudioSink, EnergyMeter, Mono48k, PacedSource, ToneSource, rms
from onduty.client.voice.peer import MediaState, configuration
from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.shell.app import make_app
from onduty.server.store import AgentRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.messages import CallUpdate, PeerOffer
from onduty.shared.types import CallEndReason, CallInfo, CallState, Role

from ..conftest import Turn
from .conftest import PASSWORD, WAIT, Answers, LiveServer, MemoryKeyring, until


@pytest.fixture
async def voice_server(tmp_path: Path, turn_server: Turn) -> AsyncIterator[LiveServer]:
    config = ServerConfig(data_dir=tmp_path / "data", argon2_time_cost=1, argon2_memory_kib=64, heartbeat_s=30.0,
                          ice_servers=(turn_server.url,), turn_secret=turn_server.secret, ice_relay_only=True)
    config.data_dir.mkdir(parents=True)
    store = SqliteStore(config.db_path)
    await store.open()
    await store.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA", 120.0))
    await store.add_agent(AgentRecord("ann", "Ann Agent", "EMEA", "CIM", ("cim-emea",),
                                      Passwords(1, 64).hash(PASSWORD)))
    await store.close()
    runner = web.AppRunner(make_app(config), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield LiveServer(f"ws://127.0.0.1:{runner.addresses[0][1]}", config)
    await asyncio.wait_for(runner.cleanup(), WAIT)


class Tone:
    """The workstation's devices in this test: a tone for a microphone, a meter for a speaker."""

    def __init__(self) -> None:
        self.meter = EnergyMeter()

    def open(self) -> tuple[PacedSource, AudioSink]:
        return ToneSource(440.0), self.meter


class Browser:
    """The requestor's end of the call (aiortc, a 660 Hz tone), counting the quiet frames it hears."""

    def __init__(self, call: CallInfo) -> None:
        self.pc = RTCPeerConnection(configuration(call))
        self.pc.addTrack(ToneSource(660.0))
        self.meter = EnergyMeter()
        self.quiet = 0
        self.heard_quiet = asyncio.Event()
        self.reader: asyncio.Task[None] | None = None
        self.pc.on("track", lambda track: setattr(self, "reader", asyncio.ensure_future(self._read(track))))

    async def _read(self, track: MediaStreamTrack) -> None:
        convert = Mono48k()
        with contextlib.suppress(MediaStreamError):
            while True:
                pcm = convert(await track.recv())  # type: ignore[arg-type]
                self.meter.write(pcm)
                self.quiet = self.quiet + 1 if rms(pcm) < EnergyMeter.LOUD else 0
                if self.quiet >= 10:
                    self.heard_quiet.set()

    async def answer(self, offer: PeerOffer) -> str:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=offer.sdp, type="offer"))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription.sdp

    async def close(self) -> None:
        await self.pc.close()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.reader


async def test_the_agent_answers_a_call_request_in_the_chat_window_and_hangs_up(
    voice_server: LiveServer, memory_keyring: MemoryKeyring, paths: SettingsPaths, answers: Answers, qapp: Any,
    close_windows: None,
) -> None:
    app = AgentApp(Settings(server=voice_server.url, user="ann"), paths, TokenStore(memory_keyring),
                   confirm=answers, tray_available=lambda: True)
    app.start()
    dialog = app.sign_in_dialog
    assert dialog is not None
    dialog.password.setText(PASSWORD)
    dialog.sign_in_button.click()
    await until(app.signed_in, lambda: app.session is not None)
    session = app.session
    assert session is not None and app.tray is not None and app.windows is not None
    tone = Tone()
    session.voice.desk.media = tone  # no sound card here: the app's call code with a generated tone
    await until(session.changed, lambda: session.view.tray_state() is TrayState.OFF_DUTY)
    find_action(app.tray.menu, "On Duty").trigger()
    await until(session.changed, lambda: session.view.tray_state() is TrayState.AVAILABLE)

    rita = RequestorClient(voice_server.url, request_timeout=WAIT)
    await rita.start()
    browser: Browser | None = None
    windows = app.windows
    try:
        chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="Can you call me?")
        await until(windows.opened, lambda: chat_id in windows.windows)
        bar = windows.windows[chat_id].call_bar
        assert bar is not None and bar.call_button.text() == "Call"
        asked = await CallSignals(rita).request(chat_id)  # "Call me" in the widget
        await until(session.voice.changed, lambda: bar.call_button.text() == "Answer")
        assert bar.status.text() == "Rita Requestor asks you to call: Answer to call now."

        bar.call_button.click()
        offer = await asyncio.wait_for(next_of(rita, PeerOffer), WAIT)
        browser = Browser(asked)
        await CallSignals(rita).answer(chat_id, offer.call_id, await browser.answer(offer))
        await until(session.voice.changed, lambda: session.voice.view(chat_id).media is MediaState.CONNECTED)
        await asyncio.wait_for(tone.meter.heard.wait(), WAIT)     # the agent hears the requestor
        await asyncio.wait_for(browser.meter.heard.wait(), WAIT)  # the requestor hears the agent
        assert bar.status.text().startswith("On a call with Rita Requestor · 0:0")
        assert bar.timer.isActive() and bar.mute_button.isVisible()

        bar.mute_button.click()
        await asyncio.wait_for(browser.heard_quiet.wait(), WAIT)  # muted: silence reaches the requestor
        assert bar.mute_button.text() == "Unmute"

        bar.hang_up_button.click()
        ended = await asyncio.wait_for(next_of(rita, CallUpdate, lambda u: u.call.state is CallState.ENDED), WAIT)
        assert (ended.call.ended_by, ended.call.reason) == (Role.AGENT, CallEndReason.HUNG_UP)
        assert ended.call.text.startswith("Call ended after 0:")
        await until(session.voice.changed, lambda: bar.status.text().startswith("Call ended after 0:"))
        assert bar.call_button.isVisible() and not bar.hang_up_button.isVisible()
        model = windows.windows[chat_id].model
        await until(model.rowsInserted, lambda: any(ln.text == "Call started" for ln in model.lines))
    finally:
        if browser is not None:
            await browser.close()
        await rita.close()
        await session.stop()


async def next_of(client: RequestorClient, kind: type[Any], predicate: Any = None) -> Any:
    while True:
        event = await client.next_event()
        if isinstance(event, kind) and (predicate is None or predicate(event)):
            return event
