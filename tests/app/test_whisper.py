"""A supervisor's whisper in the agent's chat window: its own labelled bubble, in place, never the agent's."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QStyleOptionViewItem

from onduty.client.app.chat.message_view import WHISPER_FILL, MessageDelegate, header_text
from onduty.client.app.chat.models import ChatModel, LineState
from onduty.shared.messages import Sent, Whisper
from onduty.shared.types import Role

from .conftest import Answers
from .factories import chat, message
from .test_chat_window import make

LABEL = "Whisper from Carl Supervisor (only you see this)"


def whisper(whisper_id: int = 1, text: str = "offer the refund") -> Whisper:
    return Whisper(chat_id="c1", whisper_id=whisper_id, sender="carl", sender_name="Carl Supervisor", text=text,
                   at=1_800_000_010.0)


def test_a_whisper_stays_after_the_messages_it_followed(qtbot: Any) -> None:
    model = ChatModel(chat())
    model.add_message(message(1, "hello"))
    model.add_whisper(whisper())
    model.add_whisper(whisper())  # the same whisper again (a second delivery) is shown once
    model.add_message(message(2, "which order?", Role.AGENT))
    key = model.add_pending("one moment", "Ann Agent")
    model.mark_sent(key, Sent(chat_id="c1", client_msg_id="x", seq=3, at=1.0))
    assert [(ln.seq, ln.whisper, ln.text) for ln in model.lines] == [
        (1, False, "hello"), (None, True, "offer the refund"), (2, False, "which order?"), (3, False, "one moment")]
    assert model.last_seq() == 3
    line = model.lines[1]
    assert not line.mine and line.state is LineState.RECEIVED
    assert header_text(line).startswith(LABEL)
    assert header_text(model.lines[0]).startswith("Rita Requestor")


def test_a_whisper_is_not_the_agent_speaking(qtbot: Any) -> None:
    model = ChatModel(chat())
    model.add_message(message(1, "hello"))
    model.add_whisper(whisper())
    assert not model.agent_spoke()  # the greeting reminder still counts the agent as silent
    assert model.first_requestor_text() == "hello"


def test_the_chat_window_shows_the_whisper_in_its_own_bubble(qtbot: Any, answers: Answers) -> None:
    window, model, _ = make(qtbot, answers)
    model.add_message(message(1, "hello"))
    model.add_whisper(whisper(text="approve the refund"))
    assert [model.index(row, 0).data() for row in range(model.rowCount())] == ["hello", "approve the refund"]
    option = QStyleOptionViewItem()
    option.rect.setRect(0, 0, 500, 100)
    option.font = window.font()
    bubble, _, _ = MessageDelegate()._geometry(option, model.lines[1])
    assert bubble.left() < 50  # on the left, not among the agent's own bubbles
    window.messages.scrollToTop()
    image = window.messages.viewport().grab().toImage()
    amber = {(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)
             if image.pixelColor(x, y).name() == WHISPER_FILL.name()}
    assert amber, "the whisper's amber bubble is painted"
