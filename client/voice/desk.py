"""The calls of a signed-in agent, one per chat at most: the server's call messages in, the agent's Call / Answer,
Mute and Hang up out. No Qt: the tray app shows :class:`CallView`s and calls these methods; tests drive it with a
tone source.

When a call cannot work the agent is told why in :attr:`CallView.problem`, the requestor by the reason of the
hang-up (``no_device``, ``no_connection``, ``failed``), and the chat goes on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiortc.exceptions import InvalidStateError

from onduty.client.net.errors import ClientError, RequestFailed
from onduty.client.net.voice import CallSignals
from onduty.client.voice.audio import AudioSink, PacedSource
from onduty.client.voice.peer import CONNECT_TIMEOUT_S, CallPeer, MediaState
from onduty.shared.messages import CallUpdate, Message, PeerAnswer, PeerCandidate
from onduty.shared.types import CallEndReason, CallInfo, CallState, Role

log = logging.getLogger(__name__)

LIVE = frozenset({CallState.REQUESTED, CallState.RINGING, CallState.ACTIVE})

NO_PATH = ("No network path for the audio: the call could not connect. UDP may be blocked between you and the "
           "requestor; ask IT for a TURN server (docs/it-rollout.md). The chat goes on.")
THEIR_PROBLEM = {
    CallEndReason.PERMISSION_DENIED: "The requestor's browser did not allow the microphone. The chat goes on.",
    CallEndReason.NO_DEVICE: "The requestor has no microphone or speaker. The chat goes on.",
    CallEndReason.NO_CONNECTION: "The call lost its network path. The chat goes on.",
    CallEndReason.FAILED: "The call could not be set up. The chat goes on.",
}


class NoAudioDevice(Exception):
    """No microphone or no speaker to take a call with; the text says what to do."""


class Media(Protocol):
    def open(self) -> tuple[PacedSource, AudioSink]:
        """A source (microphone) and a sink (speaker) for one call; :class:`NoAudioDevice` if there are none."""


@dataclass
class CallView:
    """One chat's call as the agent sees it."""

    info: CallInfo | None = None
    media: MediaState = MediaState.NEW
    muted: bool = False
    problem: str = ""
    """Why the call could not work (shown in the chat window), empty otherwise."""
    active_since: float | None = None
    """Local clock when the call became active (the running timer)."""

    @property
    def live(self) -> bool:
        return self.info is not None and self.info.state in LIVE

    @property
    def asked(self) -> bool:
        """The requestor asked for a call and the agent has not placed it yet."""
        return (self.info is not None and self.info.state is CallState.REQUESTED
                and self.info.requested_by is Role.REQUESTOR)

    def elapsed(self, now: float) -> float | None:
        return None if self.active_since is None else max(0.0, now - self.active_since)


@dataclass
class AgentCalls:
    signals: CallSignals
    media: Media
    on_change: Callable[[str], None] = lambda _chat_id: None
    clock: Callable[[], float] = time.monotonic
    connect_timeout_s: float = CONNECT_TIMEOUT_S
    views: dict[str, CallView] = field(default_factory=dict)
    peers: dict[str, CallPeer] = field(default_factory=dict)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def view(self, chat_id: str) -> CallView:
        return self.views.setdefault(chat_id, CallView())

    # --- from the server -------------------------------------------------------------------

    def apply(self, message: Message) -> None:
        match message:
            case CallUpdate(call=info):
                self._updated(info)
            case PeerAnswer(chat_id=chat_id, call_id=call_id, sdp=sdp):
                if (peer := self.peers.get(chat_id)) is not None and peer.call_id == call_id:
                    self._spawn(peer.answered(sdp), chat_id)
            case PeerCandidate(chat_id=chat_id, call_id=call_id, candidate=line, sdp_mid=mid, sdp_mline_index=index):
                if (peer := self.peers.get(chat_id)) is not None and peer.call_id == call_id:
                    self._spawn(peer.candidate(line, mid, index), chat_id)
            case _:
                pass

    def _updated(self, info: CallInfo) -> None:
        view = self.view(info.chat_id)
        if view.info is not None and view.info.call_id != info.call_id and info.state is CallState.REQUESTED:
            view.problem = ""
        view.info = info
        if info.state is CallState.ACTIVE and view.active_since is None:
            view.active_since = self.clock()
        if info.state is CallState.ENDED:
            view.active_since = None
            view.muted = False
            if info.ended_by is Role.REQUESTOR and info.reason in THEIR_PROBLEM:
                view.problem = THEIR_PROBLEM[info.reason]
            self._drop_peer(info.chat_id)
        self.on_change(info.chat_id)

    # --- the agent's actions ---------------------------------------------------------------

    async def place(self, chat_id: str) -> None:
        """Call the requestor (Answer, when the requestor asked): the agent makes the offer."""
        view = self.view(chat_id)
        if chat_id in self.peers:
            return
        view.problem = ""
        if view.asked and view.info is not None:
            info = view.info
        else:
            try:
                info = await self.signals.request(chat_id)
            except RequestFailed as exc:  # e.g. the queue offers no calls, or a call is under way already
                view.problem = f"No call possible: {exc.detail or exc.code.value}. The chat goes on."
                self.on_change(chat_id)
                return
        view.info = info
        try:
            source, sink = self.media.open()
        except NoAudioDevice as exc:
            view.problem = str(exc)
            self.on_change(chat_id)
            await self.signals.hang_up(chat_id, info.call_id, CallEndReason.NO_DEVICE)
            return
        peer = CallPeer(info, source, sink, lambda state: self._media_changed(chat_id, state), self.connect_timeout_s)
        self.peers[chat_id] = peer
        self.on_change(chat_id)
        try:
            sdp = await peer.offer()
            self._updated(await self.signals.offer(chat_id, info.call_id, sdp))
        except (ClientError, TimeoutError, ValueError, InvalidStateError) as exc:
            if self.peers.get(chat_id) is not peer:  # hung up (by either side) while the offer was made
                return
            log.warning("placing the call failed: %r", exc)
            view.problem = "The call could not be set up. The chat goes on."
            self._drop_peer(chat_id)
            self.on_change(chat_id)
            await self._hang_up_quietly(chat_id, info.call_id, CallEndReason.FAILED)

    async def hang_up(self, chat_id: str, reason: CallEndReason = CallEndReason.HUNG_UP) -> None:
        view = self.views.get(chat_id)
        if view is None or view.info is None or not view.live:
            return
        call_id = view.info.call_id
        self._drop_peer(chat_id)
        await self._hang_up_quietly(chat_id, call_id, reason)

    def mute(self, chat_id: str, muted: bool) -> None:
        view = self.view(chat_id)
        view.muted = muted
        if (peer := self.peers.get(chat_id)) is not None:
            peer.mute(muted)
        self.on_change(chat_id)

    def connection_lost(self) -> None:
        """The connection to the server dropped: the server ends every call (its signalling is gone), so the
        audio is let go here too and each window says so."""
        for chat_id, view in self.views.items():
            if view.info is None or not view.live:
                continue
            self._drop_peer(chat_id)
            view.info = dataclasses.replace(view.info, state=CallState.ENDED, reason=CallEndReason.NO_CONNECTION,
                                            text="Call ended: the connection to the server was lost")
            view.active_since = None
            view.muted = False
            self.on_change(chat_id)

    def forget(self, chat_id: str) -> None:
        """The chat's window went away."""
        self._drop_peer(chat_id)
        self.views.pop(chat_id, None)

    async def close(self, hang_up: bool = True) -> None:
        """Signing out or quitting: every call ends (told to the server when ``hang_up``, i.e. while connected;
        otherwise the server has ended them already)."""
        for chat_id in list(self.views):
            if hang_up:
                await self.hang_up(chat_id)
            else:
                self._drop_peer(chat_id)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- inside ----------------------------------------------------------------------------

    def _media_changed(self, chat_id: str, state: MediaState) -> None:
        view = self.view(chat_id)
        view.media = state
        if state is MediaState.FAILED:
            view.problem = NO_PATH
            self._spawn(self.hang_up(chat_id, CallEndReason.NO_CONNECTION), chat_id)
        self.on_change(chat_id)

    async def _hang_up_quietly(self, chat_id: str, call_id: str, reason: CallEndReason) -> None:
        try:
            info = await self.signals.hang_up(chat_id, call_id, reason)
        except (ClientError, TimeoutError) as exc:  # it ended meanwhile (the other side, the chat): nothing to do
            log.info("hang-up not taken: %r", exc)
            return
        self._updated(info)

    def _drop_peer(self, chat_id: str) -> None:
        peer = self.peers.pop(chat_id, None)
        if peer is not None:
            self._spawn(peer.close(), chat_id)

    def _spawn(self, coro: Coroutine[Any, Any, Any], chat_id: str) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and (exc := t.exception()) is not None:
                log.warning("call step failed in %s: %r", chat_id, exc)

        task.add_done_callback(done)


def timer_text(seconds: float) -> str:
    """``2:05``, ``1:02:05``: the running timer (the server's transcript line uses the same form)."""
    s = int(seconds)
    h, m, s = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
