"""A chat window's call controls: Call (Answer, when the requestor asked), Mute, Hang up, the running timer, and
what went wrong when a call cannot work (the chat goes on)."""

from __future__ import annotations

from onduty.client.app.qt.core import Qt, QTimer, Signal
from onduty.client.app.qt.widgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from onduty.client.app.voice.calls import Calls
from onduty.client.voice.desk import CallView, timer_text
from onduty.client.voice.peer import MediaState
from onduty.shared.types import CallState, Role

STYLE = ("#callBar { background:#eef7ee; border:1px solid #b7dcb9; border-radius:4px; }"
         "#callProblem { color:#b3261e; }")


def status_text(view: CallView, requestor: str, now: float) -> str:
    info = view.info
    if info is None:
        return ""
    match info.state:
        case CallState.REQUESTED if info.requested_by is Role.REQUESTOR:
            return f"{requestor} asks you to call: Answer to call now."
        case CallState.REQUESTED:
            return f"Calling {requestor}…"
        case CallState.RINGING:
            return f"Ringing {requestor}…"
        case CallState.ACTIVE:
            elapsed = view.elapsed(now)
            connecting = "" if view.media is MediaState.CONNECTED else " (connecting audio…)"
            muted = " · you are muted" if view.muted else ""
            return f"On a call with {requestor} · {timer_text(elapsed or 0.0)}{connecting}{muted}"
    return info.text


class CallBar(QWidget):
    """Shows :class:`Calls`' view of one chat; the window adds it above the messages."""

    mute_changed = Signal(bool)

    def __init__(self, chat_id: str, requestor: str, calls: Calls, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chat_id = chat_id
        self.requestor = requestor
        self._calls = calls
        self._running = True
        self.setObjectName("callBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # the bar's own background
        self.status = QLabel()
        self.status.setObjectName("callStatus")
        self.problem = QLabel()
        self.problem.setObjectName("callProblem")
        self.problem.setWordWrap(True)
        self.call_button = QPushButton("Call")
        self.call_button.setToolTip("Call the requestor on their computer (voice, in the browser)")
        self.call_button.clicked.connect(lambda: calls.place(chat_id))
        self.mute_button = QPushButton("Mute")
        self.mute_button.setCheckable(True)
        self.mute_button.toggled.connect(lambda on: calls.mute(chat_id, on))
        self.hang_up_button = QPushButton("Hang up")
        self.hang_up_button.clicked.connect(lambda: calls.hang_up(chat_id))
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        for button in (self.call_button, self.mute_button, self.hang_up_button):
            row.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        self.setStyleSheet(STYLE)
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.refresh)
        calls.changed.connect(self._changed)
        self.refresh()

    def set_running(self, running: bool) -> None:
        """The chat ended: no new call (the server ends a call under way by itself)."""
        self._running = running
        self.refresh()

    def _changed(self, chat_id: str) -> None:
        if chat_id == self.chat_id:
            self.refresh()

    def refresh(self) -> None:
        view = self._calls.view(self.chat_id)
        live = view.live
        placing = self.chat_id in self._calls.desk.peers
        self.call_button.setText("Answer" if view.asked else "Call")
        self.call_button.setVisible(not live or (view.asked and not placing))
        self.call_button.setEnabled(self._running and not placing)
        self.mute_button.setVisible(live and not view.asked)
        self.hang_up_button.setVisible(live)
        self.hang_up_button.setText("Decline" if view.asked and not placing else "Hang up")
        if self.mute_button.isChecked() != view.muted:
            self.mute_button.setChecked(view.muted)
        self.mute_button.setText("Unmute" if view.muted else "Mute")
        text = status_text(view, self.requestor, self._calls.clock())
        self.status.setText(text)
        self.problem.setText(view.problem)
        self.problem.setVisible(bool(view.problem))
        self.setVisible(self._running or bool(text) or bool(view.problem))
        if view.info is not None and view.info.state is CallState.ACTIVE:
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()
