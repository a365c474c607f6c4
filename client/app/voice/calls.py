"""The agent's calls for the Qt windows: :class:`AgentCalls` with a signal per change, actions run on the loop."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from onduty.client.app.qt.core import QObject, Signal
from onduty.client.net.base import ChatClient
from onduty.client.net.voice import CallSignals
from onduty.client.voice.desk import AgentCalls, CallView, Media
from onduty.shared.messages import Message
from onduty.shared.types import CallEndReason


class Runner(Protocol):
    """The session: it owns the client and runs each action as a task (a failure becomes a notice)."""

    @property
    def client(self) -> ChatClient: ...

    def run(self, coro: Coroutine[Any, Any, Any], on_done: Callable[[Any], None] | None = None,
            what: str = "", on_error: Callable[[BaseException], None] | None = None) -> Any: ...


class Calls(QObject):
    changed = Signal(str)
    """The call of this chat changed (state, media, mute, a problem to show)."""
    asked = Signal(str)
    """The requestor of this chat asks for a call: bring its window up."""

    def __init__(self, runner: Runner, media: Media, clock: Callable[[], float] = time.monotonic,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self.desk = AgentCalls(CallSignals(runner.client), media, on_change=self._changed, clock=clock)
        self.clock = clock
        self._asked: set[str] = set()

    def view(self, chat_id: str) -> CallView:
        return self.desk.view(chat_id)

    def apply(self, message: Message) -> None:
        self.desk.apply(message)

    def place(self, chat_id: str) -> None:
        self._runner.run(self.desk.place(chat_id), what="Call")

    def hang_up(self, chat_id: str) -> None:
        """Hang up, or decline the requestor's request (when the agent has not called yet)."""
        declined = self.desk.view(chat_id).asked and chat_id not in self.desk.peers
        reason = CallEndReason.DECLINED if declined else CallEndReason.HUNG_UP
        self._runner.run(self.desk.hang_up(chat_id, reason), what="Hang up")

    def mute(self, chat_id: str, muted: bool) -> None:
        self.desk.mute(chat_id, muted)

    def connection_lost(self) -> None:
        self.desk.connection_lost()

    def forget(self, chat_id: str) -> None:
        self.desk.forget(chat_id)
        self._asked.discard(chat_id)

    async def close(self) -> None:
        await self.desk.close(hang_up=self._runner.client.ready)

    def _changed(self, chat_id: str) -> None:
        view = self.desk.view(chat_id)
        call_id = view.info.call_id if view.info is not None else ""
        if view.asked and call_id not in self._asked:
            self._asked.add(call_id)
            self.asked.emit(chat_id)
        self.changed.emit(chat_id)
