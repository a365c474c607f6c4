"""Canned messages: the index (pure) and the `/` completion in the message input."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from onduty.client.app.chat.compose import MessageEdit
from onduty.client.desk.canned import CannedIndex

from .factories import CANNED


def test_index_prefers_the_chats_queue_and_dedupes_shortcuts() -> None:
    index = CannedIndex.for_queue(CANNED, "cim-emea")
    assert [c.shortcut.lstrip("/") for c in index.items] == ["ps-gotocic", "ps-lookingforexpert", "cic-hours"]
    assert index.expand("/ps-gotocic") == "Let me hand you over to CIC."
    assert CannedIndex.for_queue(CANNED, "cic").expand("/PS-GOTOCIC") == "CIC's own version"
    assert index.expand("/cic-hours") == "CIC is open 24x7."


def test_matching_only_while_a_slash_word_is_typed() -> None:
    index = CannedIndex.for_queue(CANNED, "cim-emea")
    assert [c.shortcut for c in index.matching("/ps")] == ["ps-gotocic", "ps-lookingforexpert"]
    assert [c.shortcut for c in index.matching("/")] == ["ps-gotocic", "ps-lookingforexpert", "/cic-hours"]
    assert index.matching("/ps x") == []
    assert index.matching("hello /ps") == []
    assert index.expand("/nothing") is None


def test_typing_slash_offers_completions_and_choosing_one_fills_the_input(qtbot: Any) -> None:
    edit = MessageEdit()
    qtbot.addWidget(edit)
    edit.set_canned(CannedIndex.for_queue(CANNED, "cim-emea"))
    edit.show()
    qtbot.waitExposed(edit)
    sent: list[str] = []
    edit.submitted.connect(sent.append)
    qtbot.keyClicks(edit, "/ps-l")
    assert edit.popup_visible()
    assert edit.completer.completionCount() == 1
    popup = edit.completer.popup()
    assert popup is not None
    popup.setCurrentIndex(edit.completer.completionModel().index(0, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert edit.toPlainText().startswith("Your question belongs to another expert area.")
    assert sent == []  # filled in, not sent: the agent may edit it first
    qtbot.keyClicks(edit, " One moment.")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert sent == ["Your question belongs to another expert area. Let me check if someone is available. One moment."]
    assert edit.toPlainText() == ""


def test_enter_on_an_exact_shortcut_expands_it(qtbot: Any) -> None:
    edit = MessageEdit()
    qtbot.addWidget(edit)
    edit.set_canned(CannedIndex.for_queue(CANNED, "cim-emea"))
    sent: list[str] = []
    edit.submitted.connect(sent.append)
    edit.setPlainText("/ps-gotocic")
    edit.submit()
    assert edit.toPlainText() == "Let me hand you over to CIC."
    assert sent == []
    edit.submit()
    assert sent == ["Let me hand you over to CIC."]


def test_typing_starts_and_stops(qtbot: Any) -> None:
    edit = MessageEdit(typing_idle_ms=60_000)
    qtbot.addWidget(edit)
    changes: list[bool] = []
    edit.typing_changed.connect(changes.append)
    qtbot.keyClicks(edit, "Hel")
    assert changes == [True]
    edit._idle.timeout.emit()  # the pause elapsed (time is not waited for)
    assert changes == [True, False]
    qtbot.keyClicks(edit, "lo")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert changes == [True, False, True, False]
