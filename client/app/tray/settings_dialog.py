"""The settings dialog: edits what the user's own config file may hold (a locked server stays fixed)."""

from __future__ import annotations

from dataclasses import replace

from onduty.client.app.qt.core import Signal
from onduty.client.app.qt.widgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from onduty.client.app.voice.devices import input_names, output_names
from onduty.client.desk.address import AddressError, server_addresses
from onduty.client.desk.settings import Settings

SYSTEM_DEFAULT = "System default"


def device_box(names: list[str], chosen: str) -> QComboBox:
    """The system's default first, then each device by name; a chosen device that is not plugged in stays
    listed (it is used again once it is back)."""
    box = QComboBox()
    box.addItem(SYSTEM_DEFAULT, "")
    for name in [*names, *([chosen] if chosen and chosen not in names else [])]:
        box.addItem(name, name)
    box.setCurrentIndex(max(0, box.findData(chosen)))
    return box


class SettingsDialog(QDialog):
    saved = Signal(object)
    """The new :class:`Settings`."""

    def __init__(self, settings: Settings, where: str, parent: QWidget | None = None,
                 microphones: list[str] | None = None, speakers: list[str] | None = None) -> None:
        super().__init__(parent)
        self._settings = settings
        self.setWindowTitle("Settings")  # Qt adds " — OnDuty", the display name
        self.setMinimumWidth(520)
        self.server = QLineEdit(settings.server)
        self.server.setReadOnly(settings.server_locked)
        if settings.server_locked:
            self.server.setToolTip("Set by your IT department")
        self.user = QLineEdit(settings.user)
        self.greeting = QLineEdit(settings.greeting)
        self.greeting.setToolTip("{name}, {team} and {region} come from your profile on the server")
        self.auto_greeting = QCheckBox("Send the greeting as soon as a chat opens")
        self.auto_greeting.setChecked(settings.auto_greeting)
        self.notifications = QCheckBox("Desktop notification when a chat arrives")
        self.notifications.setChecked(settings.notifications)
        if microphones is None or speakers is None:
            microphones, speakers = input_names(), output_names()
        self.microphone = device_box(microphones, settings.microphone)
        self.speaker = device_box(speakers, settings.speaker)
        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("Username", self.user)
        form.addRow("Greeting", self.greeting)
        form.addRow("", self.auto_greeting)
        form.addRow("", self.notifications)
        form.addRow("Microphone (calls)", self.microphone)
        form.addRow("Speaker (calls)", self.speaker)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e")
        self.error.hide()
        note = QLabel(f"Saved in {where}. A new server or username applies at the next sign-in.")
        note.setWordWrap(True)
        note.setStyleSheet("color: #5f6368")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def value(self) -> Settings:
        return replace(
            self._settings,
            server=self._settings.server if self._settings.server_locked else self.server.text().strip(),
            user=self.user.text().strip(), greeting=self.greeting.text().strip() or self._settings.greeting,
            auto_greeting=self.auto_greeting.isChecked(), notifications=self.notifications.isChecked(),
            microphone=str(self.microphone.currentData() or ""), speaker=str(self.speaker.currentData() or ""),
        )

    def accept(self) -> None:
        """Save, with the server address in its one form (http(s) as ws(s)); a wrong one is said, not saved."""
        if not self._settings.server_locked:
            try:
                self.server.setText(server_addresses(self.server.text()))
            except AddressError as exc:
                self.error.setText(str(exc))
                self.error.show()
                self.server.setFocus()
                return
        self.saved.emit(self.value())
        super().accept()
