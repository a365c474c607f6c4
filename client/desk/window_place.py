"""Where a chat window opens: where the agent last left one, else in the screen's corner next to the tray icon,
else centred. The last place is kept in a small JSON file beside the user's settings (no Qt here).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MARGIN = 12
"""Kept free between a window placed near the tray and the screen's edge."""
CASCADE = 28
"""How far a second window opened at the same place is moved down and right."""


@dataclass(frozen=True, slots=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains_centre_of(self, other: Rect) -> bool:
        cx, cy = other.x + other.w // 2, other.y + other.h // 2
        return self.x <= cx < self.right and self.y <= cy < self.bottom


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, max(low, high)))


def fit(place: Rect, screen: Rect) -> Rect:
    """``place`` moved (and shrunk if it must) to lie inside ``screen``."""
    w, h = min(place.w, screen.w), min(place.h, screen.h)
    return Rect(_clamp(place.x, screen.x, screen.right - w), _clamp(place.y, screen.y, screen.bottom - h), w, h)


def first_place(w: int, h: int, screen: Rect, tray: Rect | None) -> Rect:
    """Next to the tray icon (the corner of ``screen``, the available area, nearest to it; the icon itself is
    often on a panel outside that area), else centred."""
    if tray is None or tray.w <= 0:
        return fit(Rect(screen.x + (screen.w - w) // 2, screen.y + (screen.h - h) // 2, w, h), screen)
    cx, cy = tray.x + tray.w // 2, tray.y + tray.h // 2
    x = screen.right - w - MARGIN if cx >= screen.x + screen.w // 2 else screen.x + MARGIN
    y = screen.bottom - h - MARGIN if cy >= screen.y + screen.h // 2 else screen.y + MARGIN
    return fit(Rect(x, y, w, h), screen)


def cascade(place: Rect, taken: list[Rect], screen: Rect) -> Rect:
    """``place``, moved on (down and right, or up and left where the screen ends) while another open window
    starts there."""
    step = CASCADE
    for _ in range(len(taken)):
        if not any((t.x, t.y) == (place.x, place.y) for t in taken):
            break
        moved = Rect(place.x + step, place.y + step, place.w, place.h)
        if fit(moved, screen) != moved:
            step = -CASCADE
            moved = Rect(place.x + step, place.y + step, place.w, place.h)
        place = fit(moved, screen)
    return place


class PlaceStore:
    """The last place of a chat window, in ``path`` (JSON); a missing or broken file means none."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Rect | None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))["chat"]
            return Rect(*(int(v) for v in raw)) if len(raw) == 4 else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, place: Rect) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"chat": [place.x, place.y, place.w, place.h]}) + "\n", encoding="utf-8")
        except OSError as exc:
            log.warning("cannot keep the chat window's place in %s: %s", self.path, exc)
