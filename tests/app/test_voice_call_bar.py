"""A chat window's call controls (pytest-qt, offscreen): Answer when the requestor asks, Call, Mute, Hang up or
Decline, the running timer, what the agent reads when a call cannot work; the window comes up when asked."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from types import SimpleNamespace
from typing import Any

from onduty.client.app.chat.chat_window import ChatWindow
from onduty.client.app.chat.models import ChatModel
from onduty.client.app.qt.multimedia import QAudioDevice
from onduty.client.app.tray.settings_dialog import SettingsDialog
from onduty.client.app.voice.call_bar import CallBar
from onduty.client.app.voice.calls import Calls
from onduty.client.app.voice.devices import pick
from onduty.client.desk.canned import CannedIndex
from onduty.client.desk.settings import Settings
from onduty.client.net.errors import RequestFailed
from onduty.client.voice.audio import AudioSink, EnergyMeter, PacedSource, ToneSource
from onduty.client.voice.desk import NoAudioDevice
from onduty.client.voice.peer import MediaState
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import CallUpdate, ChatEnded
from onduty.shared.types import CallEndReason, CallInfo, CallState, EndReason, Role

from .conftest import Answers, until
from .factories import CANNED, chat
from .test_chat_window import Actions


def info(state: CallState, by: Role = Role.REQUESTOR, **more: Any) -> CallInfo:
    return CallInfo(chat_id="c1", call_id="k1", state=state, requested_by=by, requested_at=1.0, ice_servers=[],
                    relay_only=True, **more)  # relay only and no TURN server: nothing is sent anywhere


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Signals:
    """The server's side of the signalling, recorded: each request is answered as the server would."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, ...]] = []

    async def request(self, chat_id: str) -> CallInfo:
        self.sent.append(("request", chat_id))
        return info(CallState.REQUESTED, Role.AGENT)

    async def offer(self, chat_id: str, call_id: str, sdp: str) -> CallInfo:
        self.sent.append(("offer", call_id, sdp[:4]))
        return info(CallState.RINGING)

    async def hang_up(self, chat_id: str, call_id: str, reason: CallEndReason = CallEndReason.HUNG_UP) -> CallInfo:
        self.sent.append(("hang_up", call_id, reason.value))
        return info(CallState.ENDED, ended_by=Role.AGENT, reason=reason, text="Call declined")


class Runner:
    """The session's task runner, on the test's (qasync) loop."""

    client: Any = SimpleNamespace(ready=True)

    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[Any]] = []

    def run(self, coro: Coroutine[Any, Any, Any], on_done: Callable[[Any], None] | None = None, what: str = "",
            on_error: Callable[[BaseException], None] | None = None) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self.tasks.append(task)
        return task


class Tone:
    def __init__(self) -> None:
        self.opened = 0

    def open(self) -> tuple[PacedSource, AudioSink]:
        self.opened += 1
        return ToneSource(), EnergyMeter()


class NoMicrophone:
    def open(self) -> tuple[PacedSource, AudioSink]:
        raise NoAudioDevice("No microphone found: plug one in (or choose one in Settings) and call again.")


def setup(qtbot: Any, answers: Answers, media: Any = None) -> tuple[ChatWindow, CallBar, Calls, Signals, Clock,
                                                                  Runner]:
    model = ChatModel(chat())
    window = ChatWindow(model, Actions(model), CannedIndex.for_queue(CANNED, "cim-emea"), answers)
    qtbot.addWidget(window)
    runner, clock, signals = Runner(), Clock(), Signals()
    calls = Calls(runner, media or Tone(), clock=clock)
    calls.desk.signals = signals  # type: ignore[assignment]
    bar = CallBar("c1", "Rita Requestor", calls)
    window.set_call_bar(bar)
    window.present()
    return window, bar, calls, signals, clock, runner


async def test_the_requestor_asks_the_agent_answers_mutes_and_hangs_up_with_a_running_timer(
        qtbot: Any, answers: Answers) -> None:
    _window, bar, calls, signals, clock, runner = setup(qtbot, answers)
    assert bar.isVisible() and bar.call_button.text() == "Call" and not bar.hang_up_button.isVisible()
    asked: list[str] = []
    calls.asked.connect(asked.append)
    calls.apply(CallUpdate(call=info(CallState.REQUESTED)))
    assert asked == ["c1"]
    assert bar.status.text() == "Rita Requestor asks you to call: Answer to call now."
    assert (bar.call_button.text(), bar.hang_up_button.text()) == ("Answer", "Decline")
    assert not bar.mute_button.isVisible()

    bar.call_button.click()  # Answer: the agent makes the offer for the requestor's call
    await until(calls.changed, lambda: ("offer", "k1", "v=0\r") in signals.sent)
    assert ("request", "c1") not in signals.sent  # the requestor's call is answered, not a new one placed
    calls.apply(CallUpdate(call=info(CallState.RINGING)))
    assert bar.status.text() == "Ringing Rita Requestor…" and not bar.call_button.isVisible()
    calls.apply(CallUpdate(call=info(CallState.ACTIVE, started_at=5.0)))
    assert bar.status.text() == "On a call with Rita Requestor · 0:00 (connecting audio…)"
    assert bar.timer.isActive() and bar.hang_up_button.text() == "Hang up"
    calls.desk._media_changed("c1", MediaState.CONNECTED)
    clock.now += 65
    bar.timer.timeout.emit()
    assert bar.status.text() == "On a call with Rita Requestor · 1:05"

    bar.mute_button.click()
    assert calls.view("c1").muted and calls.desk.peers["c1"].source.muted
    assert bar.mute_button.text() == "Unmute" and bar.status.text().endswith("you are muted")
    bar.mute_button.click()
    assert not calls.desk.peers["c1"].source.muted

    bar.hang_up_button.click()
    await until(calls.changed, lambda: calls.view("c1").info is not None
                and calls.view("c1").info.state is CallState.ENDED)
    assert signals.sent[-1] == ("hang_up", "k1", "hung_up")
    assert "c1" not in calls.desk.peers and not bar.timer.isActive()
    assert bar.call_button.isVisible() and not bar.hang_up_button.isVisible()
    await asyncio.gather(*runner.tasks)
    await calls.close()


async def test_decline_and_what_the_agent_reads_when_a_call_cannot_work(qtbot: Any, answers: Answers) -> None:
    window, bar, calls, signals, _clock, runner = setup(qtbot, answers, NoMicrophone())
    calls.apply(CallUpdate(call=info(CallState.REQUESTED)))
    bar.hang_up_button.click()  # Decline
    await until(calls.changed, lambda: bool(signals.sent))
    assert signals.sent == [("hang_up", "k1", "declined")]

    bar.call_button.click()  # no microphone: said in the window, the requestor told no_device, the chat goes on
    await until(calls.changed, lambda: bool(calls.view("c1").problem))
    assert bar.problem.isVisible() and bar.problem.text().startswith("No microphone found")
    await asyncio.gather(*runner.tasks)
    assert signals.sent[-2:] == [("request", "c1"), ("hang_up", "k1", "no_device")]
    assert window.input.isEnabled()

    # the requestor's browser refused the microphone: the agent reads why
    calls.apply(CallUpdate(call=info(CallState.ENDED, ended_by=Role.REQUESTOR,
                                     reason=CallEndReason.PERMISSION_DENIED, text="Call failed: microphone "
                                     "permission denied")))
    assert bar.problem.text() == "The requestor's browser did not allow the microphone. The chat goes on."
    assert bar.status.text() == "Call failed: microphone permission denied"

    # no network path: the media failed, the agent's side hangs up with no_connection and says what to check
    calls.desk.media = Tone()  # type: ignore[assignment]
    calls.apply(CallUpdate(call=info(CallState.REQUESTED)))
    bar.call_button.click()
    await until(calls.changed, lambda: "c1" in calls.desk.peers and bool(signals.sent[-1][0] == "offer"))
    calls.desk._media_changed("c1", MediaState.FAILED)
    await until(calls.changed, lambda: signals.sent[-1] == ("hang_up", "k1", "no_connection"))
    assert bar.problem.text().startswith("No network path for the audio")
    await asyncio.gather(*runner.tasks)
    await calls.close()


async def test_a_refused_call_and_a_lost_connection_are_said_in_the_window(qtbot: Any, answers: Answers) -> None:
    _window, bar, calls, signals, _clock, runner = setup(qtbot, answers)

    async def refused(chat_id: str) -> CallInfo:
        raise RequestFailed(ErrorCode.NOT_ALLOWED, "voice calls are not offered in this queue", "call_request")

    signals.request = refused  # type: ignore[method-assign]
    bar.call_button.click()
    await until(calls.changed, lambda: bool(calls.view("c1").problem))
    assert bar.problem.text() == ("No call possible: voice calls are not offered in this queue. The chat goes on.")

    calls.apply(CallUpdate(call=info(CallState.REQUESTED)))
    bar.call_button.click()
    await until(calls.changed, lambda: "c1" in calls.desk.peers)
    calls.apply(CallUpdate(call=info(CallState.ACTIVE, started_at=5.0)))
    calls.desk.connection_lost()  # the session's Disconnected
    assert "c1" not in calls.desk.peers and not bar.timer.isActive()
    assert bar.status.text() == "Call ended: the connection to the server was lost"
    assert bar.call_button.isVisible()
    await asyncio.gather(*runner.tasks)
    await calls.close()


def test_no_new_call_once_the_chat_ended(qtbot: Any, answers: Answers) -> None:
    window, bar, _calls, _signals, _clock, _runner = setup(qtbot, answers)
    window.model.set_ended(ChatEnded(chat_id="c1", reason=EndReason.REQUESTOR_LEFT))
    assert not bar.call_button.isEnabled()


def test_settings_choose_the_call_devices_by_name(qtbot: Any) -> None:
    settings = Settings(microphone="USB headset (unplugged)")
    dialog = SettingsDialog(settings, "agent.toml", microphones=["Built-in microphone", "Webcam"],
                            speakers=["Speakers", "Headphones"])
    qtbot.addWidget(dialog)
    mics = [dialog.microphone.itemText(i) for i in range(dialog.microphone.count())]
    assert mics == ["System default", "Built-in microphone", "Webcam", "USB headset (unplugged)"]
    assert dialog.microphone.currentText() == "USB headset (unplugged)"  # kept while unplugged
    assert dialog.speaker.currentText() == "System default"
    dialog.microphone.setCurrentIndex(2)
    dialog.speaker.setCurrentIndex(2)
    chosen = dialog.value()
    assert (chosen.microphone, chosen.speaker) == ("Webcam", "Headphones")
    dialog.microphone.setCurrentIndex(0)
    assert dialog.value().microphone == ""


def test_no_audio_device_at_all_is_none_and_a_missing_choice_falls_back_to_the_default() -> None:
    assert pick([], QAudioDevice(), "Webcam") is None
    assert pick([], QAudioDevice(), "") is None
