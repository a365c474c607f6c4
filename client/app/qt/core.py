"""Qt's core: objects, signals, timers, item models, geometry, URLs.

The names the app uses from ``PySide6.QtCore``; add one here before using it elsewhere.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QDateTime,
    QMetaObject,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    QUrl,
    Signal,
    SignalInstance,
)

__all__ = [
    "QAbstractItemModel",
    "QAbstractListModel",
    "QDateTime",
    "QMetaObject",
    "QModelIndex",
    "QObject",
    "QPersistentModelIndex",
    "QPoint",
    "QPointF",
    "QRect",
    "QRectF",
    "QSize",
    "QTimer",
    "QUrl",
    "Qt",
    "Signal",
    "SignalInstance",
]
