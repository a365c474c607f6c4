"""Chat windows' places on the screen, between Qt's geometry and :mod:`onduty.client.desk.window_place`.

A place is the window frame's top-left corner with the window's own size: what ``move`` and ``resize`` take.
"""

from __future__ import annotations

from collections.abc import Callable

from onduty.client.app.qt.core import QRect
from onduty.client.app.qt.gui import QGuiApplication
from onduty.client.app.qt.widgets import QWidget
from onduty.client.desk.window_place import PlaceStore, Rect, cascade, first_place, fit

TrayRect = Callable[[], Rect | None]

FRAME = (10, 34)
"""What a window manager's frame adds to a window's width and height, reckoned with while placing a window that
was never shown (Qt knows its frame only after that), so that the frame too lies inside the screen."""


def rect(r: QRect) -> Rect:
    return Rect(r.x(), r.y(), r.width(), r.height())


def place_of(window: QWidget) -> Rect:
    frame = window.frameGeometry()
    return Rect(frame.x(), frame.y(), window.width(), window.height())


def _framed(place: Rect) -> Rect:
    return Rect(place.x, place.y, place.w + FRAME[0], place.h + FRAME[1])


def _screens() -> list[tuple[Rect, Rect]]:
    """Each screen's whole area and the part windows may use (without panels)."""
    return [(rect(s.geometry()), rect(s.availableGeometry())) for s in QGuiApplication.screens()]


def place_new(window: QWidget, store: PlaceStore, tray: TrayRect, others: list[QWidget]) -> Rect:
    """Move and size ``window`` before it is shown: the last place (on a screen that still exists), else next to
    the tray or centred; moved on while another chat window starts there."""
    fw, fh = FRAME
    screens = _screens() or [(Rect(0, 0, window.width(), window.height()),) * 2]
    saved = store.load()
    outer = _framed(saved) if saved is not None else None
    screen = next((free for _, free in screens if outer is not None and free.contains_centre_of(outer)), None)
    if outer is not None and screen is not None:
        place = fit(outer, screen)
    else:
        icon = tray()
        screen = next((free for whole, free in screens if icon is not None and whole.contains_centre_of(icon)),
                      screens[0][1])
        place = first_place(window.width() + fw, window.height() + fh, screen, icon)
    place = cascade(place, [_framed(place_of(w)) for w in others], screen)
    window.resize(place.w - fw, place.h - fh)
    window.move(place.x, place.y)
    return Rect(place.x, place.y, place.w - fw, place.h - fh)
