"""Signal connections that can be undone safely.

PySide6 6.12's ``SignalInstance.disconnect(slot)`` drops a reference to ``True`` (and, for bound
methods, to ``None``) on every call: a long-running app that disconnects slots by name crashes
after a few thousand calls ("deallocating True or False"). Disconnecting by the connection handle
that ``connect`` returned is clean, so everything that must be undone is connected through here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from onduty.client.app.qt.core import QMetaObject, QObject, SignalInstance


class Connections:
    def __init__(self) -> None:
        self._handles: list[QMetaObject.Connection] = []

    def connect(self, signal: SignalInstance, slot: Callable[..., Any]) -> QMetaObject.Connection:
        handle = signal.connect(slot)
        self._handles.append(handle)
        return handle

    def disconnect(self, handle: QMetaObject.Connection) -> None:
        if handle in self._handles:
            self._handles.remove(handle)
            QObject.disconnect(handle)

    def disconnect_all(self) -> None:
        handles, self._handles = self._handles, []
        for handle in handles:
            QObject.disconnect(handle)
