"""Qt's GUI layer: painting, icons, fonts, actions, shortcuts, input events.

The names the app uses from ``PySide6.QtGui``; add one here before using it elsewhere.
"""

from __future__ import annotations

from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QBrush,
    QCloseEvent,
    QColor,
    QCursor,
    QDesktopServices,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QGuiApplication,
    QHideEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QShortcut,
    QShowEvent,
    QStandardItem,
    QStandardItemModel,
    QTextCursor,
    QTextOption,
)

__all__ = [
    "QAction",
    "QActionGroup",
    "QBrush",
    "QCloseEvent",
    "QColor",
    "QCursor",
    "QDesktopServices",
    "QFont",
    "QFontDatabase",
    "QFontMetrics",
    "QGuiApplication",
    "QHideEvent",
    "QIcon",
    "QKeyEvent",
    "QKeySequence",
    "QPainter",
    "QPainterPath",
    "QPen",
    "QPixmap",
    "QPolygonF",
    "QShortcut",
    "QShowEvent",
    "QStandardItem",
    "QStandardItemModel",
    "QTextCursor",
    "QTextOption",
]
