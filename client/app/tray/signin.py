"""The sign-in dialog: server address (fixed when IT's preset locks it), username, password.

The dialog does not talk to the server: it checks the address (``http(s)://`` becomes ``ws(s)://``), emits
``submitted`` and the application answers with :meth:`SignInDialog.failed` or closes it. The password lives
only in the field and the request; a failed sign-in keeps it (selected, so typing replaces it).
"""

from __future__ import annotations

from onduty.client.app.qt.core import Qt, Signal
from onduty.client.app.qt.widgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget
from onduty.client.desk.address import AddressError, server_addresses
from onduty.client.desk.settings import Settings


class SignInDialog(QDialog):
    submitted = Signal(str, str, str)
    """server, username, password"""
    refused = Signal(str)
    """The dialog shows why the sign-in did not happen (the text)."""

    def __init__(self, settings: Settings, message: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in")  # Qt adds " — OnDuty", the display name
        self.setMinimumWidth(380)
        self.server = QLineEdit(settings.server)
        self.server.setPlaceholderText("ws://host:8765")
        if settings.server_locked:
            self.server.setReadOnly(True)
            self.server.setToolTip("Set by your IT department")
        self.user = QLineEdit(settings.user)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.busy = False
        self.message = QLabel(message)
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e")
        self.message.setVisible(bool(message))
        form = QFormLayout()
        form.addRow("Server", self.server)
        form.addRow("Username", self.user)
        form.addRow("Password", self.password)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = self.buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setAutoDefault(False)  # Enter in any field signs in, never cancels
        for field in (self.server, self.user, self.password):
            field.returnPressed.connect(self._submit)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        (self.password if settings.user else self.user).setFocus(Qt.FocusReason.OtherFocusReason)

    def _submit(self) -> None:
        if self.busy:
            return  # Enter in a field also presses the default button
        user, password = self.user.text().strip(), self.password.text()
        try:
            server = server_addresses(self.server.text())
        except AddressError as exc:
            self.failed(str(exc), self.server)
            return
        if not (user and password):
            self.failed("Enter your username and your password.", self.user if not user else self.password)
            return
        self.server.setText(server)
        self.set_busy(True)
        self.submitted.emit(server, user, password)

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.sign_in_button.setEnabled(not busy)
        self.sign_in_button.setText("Signing in…" if busy else "Sign in")
        if busy:
            self.message.hide()

    def failed(self, text: str, field: QLineEdit | None = None) -> None:
        """Say what is wrong; the focus goes to ``field`` (default: the password, selected)."""
        self.set_busy(False)
        focus = field or self.password
        focus.setFocus()
        focus.selectAll()
        self.message.setText(text)
        self.message.show()
        self.refused.emit(text)
