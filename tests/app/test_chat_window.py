"""The chat model and window: order, delivery state, typing, requestor leaving, closing, greeting, memo."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from onduty.client.app.chat.chat_window import ChatWindow
from onduty.client.app.chat.models import ChatModel, LineState
from onduty.client.desk.canned import CannedIndex
from onduty.client.desk.settings import DEFAULT_GREETING
from onduty.client.desk.templates import greeting, memo
from onduty.shared.messages import ChatEnded, Sent
from onduty.shared.types import ContentLimits, EndReason, Role

from .conftest import Answers
from .factories import CANNED, PROFILE, chat, message
from .fakes import QUEUE_TITLES

LIMITS = ContentLimits(max_text=8000, max_file_bytes=1000, file_types=[".pdf", ".txt"])


class Actions:
    """The session side of a window, recorded."""

    def __init__(self, model: ChatModel) -> None:
        self.model = model
        self.calls: list[tuple[str, ...]] = []

    def send_text(self, chat_id: str, text: str) -> None:
        self.calls.append(("send", text))
        self.model.add_pending(text, "Ann Agent")

    def greeting_text(self) -> str:
        return greeting(DEFAULT_GREETING, PROFILE)

    def typing(self, chat_id: str, active: bool) -> None:
        self.calls.append(("typing", str(active)))

    def end_chat(self, chat_id: str) -> None:
        self.calls.append(("end",))

    def close_chat(self, chat_id: str) -> None:
        self.calls.append(("close",))

    def memo_text(self, chat_id: str) -> str:
        return memo(self.model.info, PROFILE, self.model.first_requestor_text())

    def save_memo(self, chat_id: str, text: str) -> None:
        self.calls.append(("memo", text))

    def upload(self, chat_id: str, data: bytes, name: str, content_type: str) -> None:
        self.calls.append(("upload", name, content_type, str(len(data))))

    def download(self, file_id: str, on_done: Any) -> None:
        self.calls.append(("download", file_id))

    def limits(self) -> ContentLimits | None:
        return LIMITS

    def queue_title(self, queue: str) -> str:
        return QUEUE_TITLES.get(queue, queue)


def make(qtbot: Any, answers: Answers) -> tuple[ChatWindow, ChatModel, Actions]:
    model = ChatModel(chat(), waited_s=75.0)
    actions = Actions(model)
    window = ChatWindow(model, actions, CannedIndex.for_queue(CANNED, "cim-emea"), answers)
    qtbot.addWidget(window)
    window.present()
    return window, model, actions


def test_messages_are_kept_in_seq_order_and_own_ones_get_sent(qtbot: Any) -> None:
    model = ChatModel(chat())
    model.add_message(message(1, "first"))
    model.add_message(message(3, "third"))
    key = model.add_pending("mine", "Ann Agent")
    assert model.lines[-1].state is LineState.SENDING
    model.add_message(message(2, "second (replayed after a reconnect)"))
    model.add_message(message(3, "third"))  # a duplicate is ignored
    model.mark_sent(key, Sent(chat_id="c1", client_msg_id="x", seq=4, at=1.0))
    assert [(ln.seq, ln.state) for ln in model.lines] == [
        (1, LineState.RECEIVED), (2, LineState.RECEIVED), (3, LineState.RECEIVED), (4, LineState.SENT)]
    other = model.add_pending("lost", "Ann Agent")
    model.mark_failed(other, "chat_ended")
    assert model.lines[-1].state is LineState.FAILED
    assert model.rowCount() == 5
    assert model.first_requestor_text() == "first"


def test_window_shows_who_asks_about_what_and_how_long_they_waited(qtbot: Any, answers: Answers) -> None:
    window, _, _ = make(qtbot, answers)
    text = window.header.text() + window.about.text()
    for part in ("Rita Requestor (rita@example.com)", "CIM EMEA", "Processor assignment", "waited 1 min 15 s"):
        assert part in text
    assert "Incident 4711: Printer on fire" in window.context_card.summary.text()
    assert "very high" in window.context_card.details.text()
    assert window.windowTitle() == "Chat with Rita Requestor · CIM EMEA"
    assert window.isVisible()
    assert not window.banner.isVisible()


def test_greet_sends_the_profile_greeting(qtbot: Any, answers: Answers) -> None:
    window, _, actions = make(qtbot, answers)
    window.greet_button.click()
    assert actions.calls == [("send", "Hello, I am Ann Agent from CIM EMEA, how can I help you?")]


def test_enter_sends_and_typing_is_forwarded(qtbot: Any, answers: Answers) -> None:
    window, model, actions = make(qtbot, answers)
    qtbot.keyClicks(window.input, "Hi")
    qtbot.keyClick(window.input, Qt.Key.Key_Return)
    assert actions.calls == [("typing", "True"), ("send", "Hi"), ("typing", "False")]
    assert model.lines[-1].state is LineState.SENDING


def test_peer_typing_and_connection_loss_are_shown(qtbot: Any, answers: Answers) -> None:
    window, model, _ = make(qtbot, answers)
    model.set_peer_typing("Rita Requestor")
    assert window.typing_label.text() == "Rita Requestor is typing…"
    model.add_message(message(1, "done typing"))
    assert window.typing_label.text() == ""
    model.set_online(False)
    assert window.banner.isVisible()
    assert "Connection lost" in window.banner.text()
    assert window.input.isEnabled()  # what the agent writes now is sent after the reconnect
    model.set_online(True)
    assert not window.banner.isVisible()


def test_requestor_left_keeps_the_content_and_closing_frees_without_asking(qtbot: Any, answers: Answers) -> None:
    window, model, actions = make(qtbot, answers)
    model.add_message(message(1, "hello"))
    model.set_ended(ChatEnded(chat_id="c1", reason=EndReason.REQUESTOR_LEFT))
    assert "The requestor left the chat." in window.banner.text()
    assert window.isVisible()
    assert model.rowCount() == 1
    assert not window.input.isEnabled()
    assert window.windowTitle().endswith("(ended)")
    window.close()
    assert answers.asked == []
    assert actions.calls == [("close",)]


def test_closing_a_running_chat_asks_first(qtbot: Any) -> None:
    no = Answers(answer=False)
    window, _, actions = make(qtbot, no)
    window.close()
    assert no.asked == ["End this chat?"]
    assert window.isVisible()
    assert actions.calls == []
    no.answer = True
    window.close()
    assert not window.isVisible()
    assert actions.calls == [("close",)]


def test_released_window_closes_without_asking(qtbot: Any, answers: Answers) -> None:
    window, _, actions = make(qtbot, answers)
    window.release()
    assert answers.asked == []
    assert actions.calls == []


def test_memo_is_filled_edited_copied_and_saved(qtbot: Any, answers: Answers) -> None:
    window, model, actions = make(qtbot, answers)
    model.add_message(message(1, "Please assign a processor"))
    dialog = window.open_memo()
    text = dialog.editor.toPlainText()
    assert ">> Requestor: Rita Requestor (rita@example.com)" in text
    assert dialog.editor.textCursor().selectedText().startswith("Triggered <QM/")
    dialog.editor.insertPlainText("Triggered QM of component XX-YY")
    dialog.save_button.click()
    saved = actions.calls[-1]
    assert saved[0] == "memo"
    assert ">> Action Taken: Triggered QM of component XX-YY" in saved[1]
    assert QGuiApplication.clipboard().text() == saved[1]


def test_attach_uploads_the_file(qtbot: Any, answers: Answers, tmp_path: Any) -> None:
    window, _, actions = make(qtbot, answers)
    path = tmp_path / "trace.txt"
    path.write_text("boom")
    window.attach(path)
    assert actions.calls[-1][:3] == ("upload", "trace.txt", "text/plain")


def test_own_lines_are_marked_mine() -> None:
    model = ChatModel(chat())
    model.add_message(message(1, "agent line replayed", sender=Role.AGENT))
    key = model.add_pending("x", "Ann Agent")
    assert [ln.mine for ln in model.lines] == [False, True]
    assert key.startswith("local-")
