"""Right-to-left text in the agent app: each message is laid out in its own direction, so an Arabic or Hebrew
message reads from the right of its bubble and an English one from the left, in the chat and IM windows."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionViewItem

from onduty.client.app.chat.compose import MessageEdit
from onduty.client.app.chat.message_view import MessageDelegate, MessageList
from onduty.client.app.chat.models import ChatModel, Roles
from onduty.client.desk.text_direction import is_right_to_left

from .factories import chat, message

HEBREW = "תודה רבה על העזרה, " * 5 + "ההזמנה הגיעה"
ENGLISH = "Thank you for the help, " * 5 + "it arrived"


@pytest.mark.parametrize(("text", "rtl"), [
    ("مرحبا، أين طلبي؟", True),
    ("שלום", True),
    ("4711: مرحبا", True),  # digits and punctuation have no strong direction
    ("Hello مرحبا", False),  # the first letter decides
    ("", False),
    ("12345", False),
])
def test_the_first_letter_decides_the_direction(text: str, rtl: bool) -> None:
    assert is_right_to_left(text) is rtl


def ink_columns(text: str, qtbot: Any) -> tuple[int, int, int, int]:
    """Paint a requestor's message; return the bubble's left and right and the span of ink on its last line."""
    model = ChatModel(chat(), waited_s=0.0)
    model.add_message(message(1, text))
    view = MessageList()
    qtbot.addWidget(view)
    view.show_model(model)
    delegate = view.itemDelegate()
    assert isinstance(delegate, MessageDelegate)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 420, 2000)
    option.font = view.font()
    line = model.index(0).data(Roles.LINE)
    bubble, _head, body = delegate._geometry(option, line)
    image = QImage(420, bubble.bottom() + 10, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    delegate.paint(painter, option, model.index(0))
    painter.end()
    last_line = range(body.bottom() - view.fontMetrics().height() + 2, body.bottom())
    inked = [x for x in range(body.left(), body.right() + 1)
             if any(QColor(image.pixel(x, y)).lightness() < 90 for y in last_line)]
    assert inked, "nothing painted on the last line"
    return body.left(), body.right(), min(inked), max(inked)


def test_a_hebrew_message_reads_from_the_right_an_english_one_from_the_left(qtbot: Any) -> None:
    left, right, first, last = ink_columns(HEBREW, qtbot)
    assert right - last < 6 and first - left > 40  # the short last line ends at the bubble's right
    left, right, first, last = ink_columns(ENGLISH, qtbot)
    assert first - left < 6 and right - last > 40  # ... and here starts at its left


def test_the_input_lays_out_each_paragraph_by_its_own_direction(qtbot: Any) -> None:
    edit = MessageEdit()
    qtbot.addWidget(edit)
    edit.setPlainText("مرحبا، أين طلبي؟\nOrder 4711")
    first = edit.document().firstBlock()
    assert first.textDirection().name == "RightToLeft"
    assert first.next().textDirection().name == "LeftToRight"

