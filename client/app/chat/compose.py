"""The message input of a chat window: Enter sends, Shift+Enter breaks the line, ``/`` offers canned messages.

Choosing a canned message (from the popup, or Enter on an exact shortcut) puts its text in the
input, where the agent can edit it before sending. Typing starts a ``typing`` signal that stops
after a pause or when the message is sent. ``counter`` (placed by the window) shows the length near the
server's limit (``limit``); a message over it is refused there with the reason and stays in the input.
"""

from __future__ import annotations

from collections.abc import Callable

from onduty.client.app.qt.core import QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from onduty.client.app.qt.gui import QKeyEvent, QStandardItem, QStandardItemModel, QTextCursor
from onduty.client.app.qt.widgets import QCompleter, QLabel, QPlainTextEdit, QWidget
from onduty.client.desk.canned import CannedIndex, shortcut_of
from onduty.client.desk.outgoing import length_note, text_refusal
from onduty.shared.limits import MAX_TEXT

SHORTCUT_ROLE = int(Qt.ItemDataRole.UserRole) + 1
TYPING_IDLE_MS = 4000
INPUT_LINES = 3
"""The input's height at first, in lines (the splitter above it gives it more)."""
_POPUP_KEYS = {Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backtab}


class MessageEdit(QPlainTextEdit):
    submitted = Signal(str)
    typing_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None, typing_idle_ms: int = TYPING_IDLE_MS) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Type a message. Enter sends, Shift+Enter for a new line, / for canned messages")
        self.setTabChangesFocus(True)
        self._index = CannedIndex(())
        self._model = QStandardItemModel(self)
        self.completer = QCompleter(self._model, self)
        self.completer.setWidget(self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionRole(SHORTCUT_ROLE)
        self.completer.setMaxVisibleItems(8)
        self.completer.activated[QModelIndex].connect(self._chosen)  # type: ignore[index]
        self.typing = False
        self.limit = MAX_TEXT
        """The server's text limit (``welcome.limits.max_text``)."""
        self.counter = QLabel()
        self.counter.setObjectName("lengthCounter")
        self.counter.setWordWrap(True)
        self.counter.hide()
        self.guard: Callable[[str], bool] | None = None
        """Asked before a message is submitted; False keeps it in the input (e.g. a warning was shown)."""
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(typing_idle_ms)
        self._idle.timeout.connect(self.stop_typing)
        self.textChanged.connect(self._text_changed)

    def sizeHint(self) -> QSize:
        """Three lines high: the conversation above keeps the window's height."""
        frame = self.contentsMargins()
        margins = frame.top() + frame.bottom() + 2 * int(self.document().documentMargin())
        return QSize(super().sizeHint().width(), self.fontMetrics().lineSpacing() * INPUT_LINES + margins)

    def set_canned(self, index: CannedIndex) -> None:
        self._index = index
        self._model.clear()
        for item in index.items:
            preview = " ".join(item.text.split())
            preview = preview if len(preview) <= 70 else preview[:69] + "…"
            row = QStandardItem(f"{shortcut_of(item)}    {preview}")
            row.setData(shortcut_of(item), SHORTCUT_ROLE)
            row.setToolTip(item.text)
            self._model.appendRow(row)

    def insert_canned(self, shortcut: str) -> bool:
        text = self._index.expand(shortcut)
        if text is None:
            return False
        self._popup_hide()
        self.setPlainText(text)
        self.moveCursor(QTextCursor.MoveOperation.End)
        self.setFocus()
        return True

    def popup_visible(self) -> bool:
        popup = self.completer.popup()
        return popup is not None and popup.isVisible()

    def _popup_hide(self) -> None:
        popup = self.completer.popup()
        if popup is not None:
            popup.hide()

    def stop_typing(self) -> None:
        self._idle.stop()
        if self.typing:
            self.typing = False
            self.typing_changed.emit(False)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if self.popup_visible() and e.key() in _POPUP_KEYS:
            e.ignore()  # the completer's popup handles these
            return
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not e.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submit()
            return
        super().keyPressEvent(e)

    def submit(self) -> None:
        text = self.toPlainText()
        if self.insert_canned(text.strip()):
            return
        if text.strip():
            refusal = text_refusal(text.strip(), self.limit)
            if refusal is not None:
                self._show_count(refusal)
                return
            if self.guard is not None and not self.guard(text.strip()):
                return
            self.submitted.emit(text.strip())
            self.clear()
            self.stop_typing()

    def _chosen(self, index: QModelIndex | QPersistentModelIndex) -> None:
        self.insert_canned(str(index.data(SHORTCUT_ROLE)))

    def _show_count(self, refusal: str | None = None) -> None:
        text = self.toPlainText().strip()
        note = refusal or length_note(text, self.limit)
        over = refusal is not None or len(text) > self.limit
        self.counter.setText(note)
        self.counter.setStyleSheet("color: #b3261e" if over else "color: #5f6368")
        self.counter.setVisible(bool(note))

    def _text_changed(self) -> None:
        self._show_count()
        text = self.toPlainText()
        if text.strip():
            if not self.typing:
                self.typing = True
                self.typing_changed.emit(True)
            self._idle.start()
        else:
            self.stop_typing()
        if self._index.matching(text):
            self.completer.setCompletionPrefix(text)
            rect = self.cursorRect()
            rect.setWidth(max(360, self.width() - rect.left() - 8))
            self.completer.complete(rect)
        else:
            self._popup_hide()
