"""Where chat windows open: next to the tray icon (its corner of the screen) or centred, then where the agent left
the last one, also after a restart; never off the screen; a second window does not hide the first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from onduty.client.app.chat.placement import FRAME, place_new, place_of, rect
from onduty.client.desk.window_place import CASCADE, MARGIN, PlaceStore, Rect, cascade, first_place, fit

SCREEN = Rect(0, 0, 1920, 1040)  # a 1080 px screen less a 40 px panel at the bottom


def test_next_to_the_tray_in_its_corner_else_centred() -> None:
    bottom_right = Rect(1850, 1045, 24, 24)
    assert first_place(520, 640, SCREEN, bottom_right) == Rect(1920 - 520 - MARGIN, 1040 - 640 - MARGIN, 520, 640)
    top_left = Rect(10, 2, 24, 24)
    assert first_place(520, 640, SCREEN, top_left) == Rect(MARGIN, MARGIN, 520, 640)
    assert first_place(520, 640, SCREEN, None) == Rect(700, 200, 520, 640)
    assert first_place(520, 640, SCREEN, Rect(0, 0, 0, 0)) == Rect(700, 200, 520, 640)  # no real icon place


def test_a_place_is_kept_on_the_screen() -> None:
    assert fit(Rect(1800, 900, 520, 640), SCREEN) == Rect(1400, 400, 520, 640)
    assert fit(Rect(-50, -50, 3000, 640), SCREEN) == Rect(0, 0, 1920, 640)


def test_a_second_window_moves_on() -> None:
    place = Rect(100, 100, 520, 640)
    assert cascade(place, [place], SCREEN) == Rect(100 + CASCADE, 100 + CASCADE, 520, 640)
    assert cascade(place, [Rect(5, 5, 520, 640)], SCREEN) == place
    corner = Rect(1400, 400, 520, 640)  # at the screen's edge: up and left instead
    assert cascade(corner, [corner], SCREEN) == Rect(1400 - CASCADE, 400 - CASCADE, 520, 640)


def test_the_place_survives_a_restart_and_a_broken_file_is_no_place(tmp_path: Path) -> None:
    store = PlaceStore(tmp_path / "windows.json")
    assert store.load() is None
    store.save(Rect(30, 40, 500, 600))
    assert PlaceStore(tmp_path / "windows.json").load() == Rect(30, 40, 500, 600)
    (tmp_path / "windows.json").write_text("{not json")
    assert store.load() is None


def test_windows_open_near_the_tray_then_where_the_last_one_was_left(qtbot: Any, tmp_path: Path) -> None:
    screen = rect(QGuiApplication.primaryScreen().availableGeometry())
    store = PlaceStore(tmp_path / "windows.json")
    tray = Rect(screen.right - 30, screen.bottom - 30, 24, 24)
    first = QWidget()
    qtbot.addWidget(first)
    first.resize(300, 250)
    placed = place_new(first, store, lambda: tray, [])
    fw, fh = FRAME  # the window manager's frame lies inside the screen too
    assert placed == Rect(screen.right - 300 - fw - MARGIN, screen.bottom - 250 - fh - MARGIN, 300, 250)
    second = QWidget()
    qtbot.addWidget(second)
    second.resize(300, 250)
    assert place_new(second, store, lambda: tray, [first]) == Rect(placed.x - CASCADE, placed.y - CASCADE, 300, 250)
    first.move(20, 30)  # the agent puts it elsewhere, then closes it
    store.save(place_of(first))
    third = QWidget()
    qtbot.addWidget(third)
    third.resize(300, 250)
    assert place_new(third, store, lambda: tray, []) == Rect(20, 30, 300, 250)
