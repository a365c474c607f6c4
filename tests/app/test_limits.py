"""The server's limits in the agent app: a counter near the text limit, a message over it refused with the
reason and kept in the input; a file too big or of a type the server does not take refused before upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from onduty.client.desk.outgoing import file_refusal, length_note, text_refusal
from onduty.shared.sizes import human_size
from onduty.shared.types import ContentLimits

from .conftest import Answers
from .test_chat_window import make

LONG = "Lorem ipsum dolor sit amet. " * 415


def test_sizes_read_as_people_say_them() -> None:
    assert [human_size(n) for n in (999, 5000, 10 * 1024 * 1024, 20_000_000, 1536 * 1024)] == [
        "999 B", "4.9 KB", "10 MB", "19 MB", "1.5 MB",
    ]


def test_texts_and_files_against_the_limits() -> None:
    assert length_note("x" * 7000, 8000) == ""
    assert length_note("x" * 7500, 8000) == "7,500 / 8,000 characters"
    assert text_refusal("x" * 8000, 8000) is None
    assert text_refusal("x" * 11_600, 8000) == \
        "This message is 3,600 characters too long (at most 8,000). Shorten it or send it in two parts."
    limits = ContentLimits(max_text=8000, max_file_bytes=10 * 1024 * 1024, file_types=[".pdf", ".png"])
    assert file_refusal("scan.pdf", 20_000_000, limits) == "scan.pdf is 19 MB; files can be at most 10 MB."
    assert file_refusal("tool.EXE", 10, limits) == \
        "tool.EXE cannot be sent: .exe files are not accepted. Accepted: .pdf .png"
    assert file_refusal("Photo.PNG", 10, limits) is None
    assert file_refusal("anything.exe", 10**9, None) is None  # the server did not say: it decides


def test_a_message_over_the_limit_is_refused_with_the_reason_and_kept(qtbot: Any, answers: Answers) -> None:
    window, _model, actions = make(qtbot, answers)
    counter = window.input.counter
    window.input.setPlainText("x" * 7000)
    assert counter.isHidden()
    window.input.setPlainText("x" * 7500)
    assert counter.isVisible() and counter.text() == "7,500 / 8,000 characters"
    window.input.setPlainText(LONG)
    qtbot.keyClick(window.input, Qt.Key.Key_Return)
    assert counter.text().startswith(f"This message is {len(LONG.strip()) - 8000:,} characters too long")
    assert window.input.toPlainText() == LONG  # nothing cut, nothing sent
    assert not [c for c in actions.calls if c[0] == "send"]
    window.input.setPlainText("short")
    qtbot.keyClick(window.input, Qt.Key.Key_Return)
    assert ("send", "short") in actions.calls and counter.isHidden()


def test_a_file_the_server_would_refuse_is_not_uploaded(qtbot: Any, answers: Answers, tmp_path: Path) -> None:
    window, _model, actions = make(qtbot, answers)  # the server takes .pdf and .txt up to 1000 bytes
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"x" * 5000)
    window.attach(big)
    assert window.banner.text() == "scan.pdf is 4.9 KB; files can be at most 1000 B."
    tool = tmp_path / "tool.exe"
    tool.write_bytes(b"MZ")
    window.attach(tool)
    assert window.banner.text().startswith("tool.exe cannot be sent: .exe files are not accepted")
    assert not [c for c in actions.calls if c[0] == "upload"]
