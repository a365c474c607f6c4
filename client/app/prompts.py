"""Questions the app asks the agent; injected so tests answer them without a modal dialog."""

from __future__ import annotations

from collections.abc import Callable

from onduty.client.app.qt.widgets import QMessageBox, QWidget

Confirm = Callable[[QWidget | None, str, str], bool]
"""``confirm(parent, title, question)`` -> the agent said yes."""


def ask(parent: QWidget | None, title: str, question: str) -> bool:
    answer = QMessageBox.question(
        parent, title, question, QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def tell(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)
