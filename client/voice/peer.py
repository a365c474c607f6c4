"""The agent's end of one call: an aiortc peer connection that offers, takes the answer and candidates, sends a
source track and hands the other side's audio to a sink.

No Qt and no sound card here: the source is any :class:`PacedSource` (the workstation's microphone in the app, a
tone in tests), the sink any :class:`AudioSink`. aiortc gathers its candidates while the offer is made, so the
offer's SDP carries them all; the browser's may come later, one ``call_candidate`` each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from enum import StrEnum

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcconfiguration import RTCIceTransportPolicy
from aiortc.sdp import candidate_from_sdp

from onduty.client.voice.audio import AudioSink, Mono48k, PacedSource
from onduty.shared.types import CallInfo

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 30.0
"""A call whose audio has not connected this long after the answer has no network path (ICE would otherwise
wait for candidates that never come, e.g. when every relay allocation failed)."""


class MediaState(StrEnum):
    """What the agent's side knows of the audio path."""

    NEW = "new"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"
    """No network path (ICE failed, e.g. UDP blocked and no TURN relay reachable)."""
    CLOSED = "closed"


def configuration(info: CallInfo) -> RTCConfiguration:
    servers = [RTCIceServer(urls=list(s.urls), username=s.username, credential=s.credential)
               for s in info.ice_servers]
    policy = RTCIceTransportPolicy.RELAY if info.relay_only else RTCIceTransportPolicy.ALL
    return RTCConfiguration(iceServers=servers or None, iceTransportPolicy=policy)


class CallPeer:
    """One call's WebRTC connection on the agent's side. ``on_state`` is told every :class:`MediaState`."""

    def __init__(self, info: CallInfo, source: PacedSource, sink: AudioSink,
                 on_state: Callable[[MediaState], None] = lambda _state: None,
                 connect_timeout_s: float = CONNECT_TIMEOUT_S) -> None:
        self.call_id = info.call_id
        self.source = source
        self.sink = sink
        self.state = MediaState.NEW
        self._on_state = on_state
        self._pc = RTCPeerConnection(configuration(info))
        self._pc.addTrack(source)
        self._reader: asyncio.Task[None] | None = None
        self._connect_timeout_s = connect_timeout_s
        self._deadline: asyncio.TimerHandle | None = None
        self._order = asyncio.Lock()
        """The answer, then each candidate, in the order they came (each step awaits aiortc)."""
        self._pc.on("track", self._track)
        self._pc.on("connectionstatechange", self._connection_changed)

    @property
    def muted(self) -> bool:
        return self.source.muted

    def mute(self, muted: bool) -> None:
        self.source.muted = muted

    async def offer(self) -> str:
        """The SDP offer, with every local candidate gathered (aiortc gathers while setting it)."""
        self._set(MediaState.CONNECTING)
        await self._pc.setLocalDescription(await self._pc.createOffer())
        return self._pc.localDescription.sdp

    async def answered(self, sdp: str) -> None:
        async with self._order:
            await self._pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        if self.state is MediaState.CONNECTING:
            self._deadline = asyncio.get_running_loop().call_later(self._connect_timeout_s, self._too_late)

    async def candidate(self, line: str, sdp_mid: str | None, sdp_mline_index: int | None) -> None:
        """A trickled remote candidate (``candidate:...``); an empty one ends them."""
        async with self._order:
            if not line:
                await self._pc.addIceCandidate(None)
                return
            candidate = candidate_from_sdp(line.removeprefix("a=").removeprefix("candidate:"))
            candidate.sdpMid = sdp_mid
            candidate.sdpMLineIndex = sdp_mline_index if sdp_mline_index is not None else 0
            await self._pc.addIceCandidate(candidate)

    async def close(self) -> None:
        self._set(MediaState.CLOSED)
        if self._deadline is not None:
            self._deadline.cancel()
        self.source.stop()
        await self._pc.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        self.sink.close()

    # --- aiortc events ---------------------------------------------------------------------

    def _track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio" and self._reader is None:
            self._reader = asyncio.ensure_future(self._read(track))

    async def _read(self, track: MediaStreamTrack) -> None:
        convert = Mono48k()
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                self.sink.write(convert(frame))  # type: ignore[arg-type]

    def _connection_changed(self) -> None:
        state = self._pc.connectionState
        if state == "connected":
            self._set(MediaState.CONNECTED)
        elif state == "failed":
            self._set(MediaState.FAILED)

    def _too_late(self) -> None:
        if self.state is MediaState.CONNECTING:
            log.info("call media did not connect in %.0f s", self._connect_timeout_s, extra={"call": self.call_id})
            self._set(MediaState.FAILED)

    def _set(self, state: MediaState) -> None:
        if self.state is state or self.state is MediaState.CLOSED:
            return
        self.state = state
        log.info("call media %s", state.value, extra={"call": self.call_id})
        self._on_state(state)
