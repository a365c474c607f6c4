"""Questions the app asks the agent; injected so tests answer them without a modal dialog."""

from __future__ import annotations

from typing import Protocol

from onduty.client.app.qt.widgets import QMessageBox, QWidget


class Confirm(Protocol):
    """``confirm(parent, title, question)`` -> the agent said yes. Enter answers No unless ``default_yes``: a
    question whose No undoes something (signing out) defaults to Yes."""

    def __call__(self, parent: QWidget | None, title: str, question: str, *, default_yes: bool = False) -> bool: ...


def ask(parent: QWidget | None, title: str, question: str, *, default_yes: bool = False) -> bool:
    yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
    return QMessageBox.question(parent, title, question, yes | no, yes if default_yes else no) == yes


def tell(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)
