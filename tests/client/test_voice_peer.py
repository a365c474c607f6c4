"""The agent's call code against an aiortc peer with no network path at all (relay only, no relay): aiortc
finds nothing to connect, the agent's side gives up after its connect timeout, hangs up with no_connection and
tells the agent why. No server: the signalling is a recorder."""

from __future__ import annotations

import asyncio
import dataclasses

from aiortc import RTCPeerConnection, RTCSessionDescription

from onduty.client.voice.audio import AudioSink, EnergyMeter, PacedSource, ToneSource
from onduty.client.voice.desk import NO_PATH, AgentCalls
from onduty.client.voice.peer import MediaState, configuration
from onduty.shared.messages import CallUpdate, PeerAnswer
from onduty.shared.types import CallEndReason, CallInfo, CallState, Role

WAIT = 10.0
NO_PATH_INFO = CallInfo(chat_id="c1", call_id="k1", state=CallState.REQUESTED, requested_by=Role.REQUESTOR,
                        requested_at=1.0, ice_servers=[], relay_only=True)
"""Relay only, and no relay: no candidate on either side, as when UDP is blocked and no TURN server answers."""


class Signals:
    def __init__(self) -> None:
        self.offers: asyncio.Queue[str] = asyncio.Queue()
        self.hung_up: list[CallEndReason] = []

    async def offer(self, chat_id: str, call_id: str, sdp: str) -> CallInfo:
        self.offers.put_nowait(sdp)
        return dataclasses.replace(NO_PATH_INFO, state=CallState.RINGING)  # the server's ringing update

    async def hang_up(self, chat_id: str, call_id: str, reason: CallEndReason = CallEndReason.HUNG_UP) -> CallInfo:
        self.hung_up.append(reason)
        return CallInfo(chat_id=chat_id, call_id=call_id, state=CallState.ENDED, requested_by=Role.REQUESTOR,
                        requested_at=1.0, ice_servers=[], ended_by=Role.AGENT, reason=reason)


class Tone:
    def open(self) -> tuple[PacedSource, AudioSink]:
        return ToneSource(), EnergyMeter()


async def test_no_network_path_fails_the_call_and_says_why() -> None:
    signals = Signals()
    changed = asyncio.Event()
    calls = AgentCalls(signals, Tone(), on_change=lambda _c: changed.set(), connect_timeout_s=0.3)  # type: ignore[arg-type]
    calls.apply(CallUpdate(call=NO_PATH_INFO))
    browser = RTCPeerConnection(configuration(NO_PATH_INFO))
    browser.addTrack(ToneSource())
    try:
        await asyncio.wait_for(calls.place("c1"), WAIT)
        offer = await asyncio.wait_for(signals.offers.get(), WAIT)
        assert "a=candidate" not in offer  # nothing to reach the agent by
        await browser.setRemoteDescription(RTCSessionDescription(sdp=offer, type="offer"))
        await browser.setLocalDescription(await browser.createAnswer())
        calls.apply(PeerAnswer(chat_id="c1", call_id="k1", sdp=browser.localDescription.sdp))
        async with asyncio.timeout(WAIT):
            while signals.hung_up != [CallEndReason.NO_CONNECTION]:
                changed.clear()
                await changed.wait()
        view = calls.view("c1")
        assert view.problem == NO_PATH and view.media is MediaState.FAILED
        assert view.info is not None and view.info.state is CallState.ENDED and "c1" not in calls.peers
    finally:
        await browser.close()
        await calls.close()
