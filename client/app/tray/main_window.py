"""A small always-available window for desktops without a system tray: the tray's controls in a window."""

from __future__ import annotations

from onduty.client.app.qt.core import Qt
from onduty.client.app.qt.gui import QCloseEvent
from onduty.client.app.qt.widgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from onduty.client.app.tray.icons import state_pixmap
from onduty.client.app.tray.tray import OpenChat, ShellActions, build_menu
from onduty.client.desk.state import PRESENCE_LABELS, AgentView, TrayState
from onduty.shared.types import Presence

PRESENCES = (Presence.AVAILABLE, Presence.BUSY, Presence.AWAY)


class MainWindow(QWidget):
    def __init__(self, actions: ShellActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._actions = actions
        self._view = AgentView()
        self.setWindowTitle("OnDuty")
        self.icon = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.duty_button = QPushButton("Go On Duty")
        self.duty_button.clicked.connect(lambda: self._actions.set_duty(not self._view.on_duty))
        self.presence = QComboBox()
        for p in PRESENCES:
            self.presence.addItem(PRESENCE_LABELS[p], p)
        self.presence.activated.connect(lambda i: self._actions.set_presence(PRESENCES[i]))
        self.menu = QMenu(self)
        self.more = QToolButton()
        self.more.setText("More")
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.more.setMenu(self.menu)
        top = QHBoxLayout()
        top.addWidget(self.icon)
        top.addWidget(self.status, 1)
        controls = QHBoxLayout()
        controls.addWidget(self.duty_button)
        controls.addWidget(self.presence)
        controls.addStretch(1)
        controls.addWidget(self.more)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(controls)
        self.resize(380, 150)

    def update_view(self, view: AgentView, chats: list[OpenChat]) -> None:
        self._view = view
        state = view.tray_state()
        self.icon.setPixmap(state_pixmap(state, 40))
        self.status.setText(view.tooltip())
        self.setWindowTitle(view.headline())  # Qt adds " — OnDuty": "Off Duty — OnDuty"
        connected = state not in (TrayState.SIGNED_OUT, TrayState.DISCONNECTED)
        self.duty_button.setText("Go Off Duty" if view.on_duty else "Go On Duty")
        self.duty_button.setEnabled(connected)
        self.presence.setEnabled(connected)
        if view.presence in PRESENCES:
            self.presence.setCurrentIndex(PRESENCES.index(view.presence))
        build_menu(self.menu, view, chats, self._actions)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Closing the only window means quitting (after the same questions as the tray's Quit).
        event.ignore()
        self._actions.quit()
