"""The internal memo dialog: the template filled from the chat, edited, copied and stored with the chat."""

from __future__ import annotations

from onduty.client.app.qt.core import Signal
from onduty.client.app.qt.gui import QFontDatabase, QGuiApplication, QTextCursor
from onduty.client.app.qt.widgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget
from onduty.client.desk.templates import ACTION_PLACEHOLDER


class MemoDialog(QDialog):
    """Accepting copies the text to the clipboard and emits ``saved`` (the session stores it)."""

    saved = Signal(str)

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Internal memo")
        self.resize(560, 340)
        hint = QLabel("Edit the action taken, then copy the memo into the incident. It is also kept with this chat; "
                      "the requestor never sees it.")
        hint.setWordWrap(True)
        self.editor = QPlainTextEdit(text)
        self.editor.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("Copy and save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.editor)
        layout.addWidget(buttons)
        self._select_placeholder()

    def _select_placeholder(self) -> None:
        """Put the cursor on the action placeholder so typing replaces it."""
        text = self.editor.toPlainText()
        start = text.find(ACTION_PLACEHOLDER)
        if start < 0:
            return
        cursor = self.editor.textCursor()
        cursor.setPosition(start)
        cursor.setPosition(start + len(ACTION_PLACEHOLDER), QTextCursor.MoveMode.KeepAnchor)
        self.editor.setTextCursor(cursor)
        self.editor.setFocus()

    def accept(self) -> None:
        text = self.editor.toPlainText().strip()
        if text:
            clipboard = QGuiApplication.clipboard()
            clipboard.setText(text)
            self.saved.emit(text)
        super().accept()
