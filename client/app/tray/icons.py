"""Tray icons, drawn (no image files): a chat bubble with a status badge per :class:`TrayState`.

Green means chats can come, red means this agent is blocked (in a chat, or Busy), amber Away,
grey Off Duty, and a struck-through bubble means no connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from onduty.client.app.qt.core import QPointF, QRectF, Qt
from onduty.client.app.qt.gui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from onduty.client.desk.state import TrayState
from onduty.shared.types import ContactPresence, Presence


@dataclass(frozen=True, slots=True)
class Look:
    bubble: str
    badge: str | None
    mark: str
    """What is drawn on the badge: "" (plain), "dots", "minus", "clock", "ring", "cross"."""


LOOKS: dict[TrayState, Look] = {
    TrayState.SIGNED_OUT: Look("#9aa3ab", None, "cross"),
    TrayState.DISCONNECTED: Look("#9aa3ab", "#6b7680", "cross"),
    TrayState.OFF_DUTY: Look("#cfd8dc", "#78909c", "ring"),
    TrayState.AVAILABLE: Look("#e8f5e9", "#2e9d48", ""),
    TrayState.IN_CHAT: Look("#fdecea", "#d32f2f", "dots"),
    TrayState.BUSY: Look("#fdecea", "#d32f2f", "minus"),
    TrayState.AWAY: Look("#fff8e1", "#f5a300", "clock"),
}

PRESENCE_COLORS: dict[Presence, str] = {
    Presence.AVAILABLE: "#2e9d48", Presence.BUSY: "#d32f2f", Presence.AWAY: "#f5a300", Presence.OFFLINE: "#9aa3ab",
}

CONTACT_COLORS: dict[ContactPresence, str] = {
    ContactPresence.ONLINE: "#2e9d48", ContactPresence.BUSY: "#d32f2f", ContactPresence.OFFLINE: "#9aa3ab",
}


def dot_icon(color: str, size: int = 16) -> QIcon:
    """A plain round dot (presence entries of the menu)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor(color).darker(125), 1))
    p.setBrush(QBrush(QColor(color)))
    p.drawEllipse(QRectF(2, 2, size - 4, size - 4))
    p.end()
    return QIcon(pixmap)


def app_icon() -> QIcon:
    """The application's and every window's icon: the bubble in its Available look (as the installers' icon)."""
    return state_icon(TrayState.AVAILABLE, 256)


def state_icon(state: TrayState, size: int = 64) -> QIcon:
    icon = QIcon()
    for px in (16, 22, 24, 32, 48, size):
        icon.addPixmap(state_pixmap(state, px))
    return icon


def state_pixmap(state: TrayState, size: int) -> QPixmap:
    look = LOOKS[state]
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 64.0
    outline = QPen(QColor("#37474f"), max(1.0, 3.0 * s))
    # The bubble: a rounded rectangle with a tail at the bottom left.
    bubble = QPainterPath()
    bubble.addRoundedRect(QRectF(4 * s, 6 * s, 50 * s, 36 * s), 10 * s, 10 * s)
    tail = QPolygonF([QPointF(14 * s, 40 * s), QPointF(10 * s, 54 * s), QPointF(26 * s, 41 * s)])
    bubble.addPolygon(tail)
    bubble = bubble.simplified()
    p.setPen(outline)
    p.setBrush(QBrush(QColor(look.bubble)))
    p.drawPath(bubble)
    if look.mark == "cross":
        strike = QPen(QColor("#37474f"), max(1.5, 4.0 * s))
        strike.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(strike)
        p.drawLine(QPointF(10 * s, 12 * s), QPointF(48 * s, 38 * s))
    if look.badge is not None:
        _badge(p, look, s)
    p.end()
    return pixmap


def _badge(p: QPainter, look: Look, s: float) -> None:
    centre = QPointF(46 * s, 46 * s)
    radius = 15 * s
    p.setPen(QPen(QColor("white"), max(1.0, 3.0 * s)))
    p.setBrush(QBrush(QColor(look.badge)))
    p.drawEllipse(centre, radius, radius)
    white = QPen(QColor("white"), max(1.5, 4.0 * s))
    white.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(white)
    p.setBrush(Qt.BrushStyle.NoBrush)
    match look.mark:
        case "dots":
            p.setBrush(QBrush(QColor("white")))
            p.setPen(Qt.PenStyle.NoPen)
            for dx in (-7, 0, 7):
                p.drawEllipse(centre + QPointF(dx * s, 0), 2.6 * s, 2.6 * s)
        case "minus":
            p.drawLine(centre + QPointF(-8 * s, 0), centre + QPointF(8 * s, 0))
        case "clock":
            p.drawLine(centre, centre + QPointF(0, -8 * s))
            p.drawLine(centre, centre + QPointF(6 * s, 3 * s))
        case "ring":
            p.drawEllipse(centre, 6 * s, 6 * s)
        case "cross":
            p.drawLine(centre + QPointF(-6 * s, -6 * s), centre + QPointF(6 * s, 6 * s))
        case _:
            p.drawLine(centre + QPointF(-7 * s, 0), centre + QPointF(-2 * s, 6 * s))
            p.drawLine(centre + QPointF(-2 * s, 6 * s), centre + QPointF(8 * s, -6 * s))
