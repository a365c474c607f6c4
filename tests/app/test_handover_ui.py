"""Warm handover widgets on their own: the partner picker (live availability), the discussion panels, the
Transfer button's enabled state, the warning for announcing a transfer before acceptance, cold transfer."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from onduty.client.app.chat.chat_window import ChatWindow
from onduty.client.app.chat.models import ChatModel
from onduty.client.app.handover.discussion_panel import DiscussionPanel, DiscussionWindow
from onduty.client.app.handover.handover import Handovers
from onduty.client.app.handover.handover_bar import HandoverBar
from onduty.client.app.handover.partner_picker import PartnerPicker
from onduty.client.desk.announce import announces_transfer
from onduty.client.desk.canned import CannedIndex
from onduty.shared.messages import (
    DiscussionMessage,
    DiscussionOffer,
    DiscussionUpdate,
    Partners,
    Transcript,
)
from onduty.shared.types import (
    Colleague,
    ContactPresence,
    DiscussionInfo,
    DiscussionState,
    QueueAvailability,
)

from .conftest import Answers
from .factories import CANNED, PROFILE, chat, message
from .fakes import FakeBackend

LOOKING = "Your question belongs to another expert area. Let me check if someone is available."


def partners(cic_routable: int, carl: ContactPresence = ContactPresence.ONLINE) -> Partners:
    return Partners(
        queues=[QueueAvailability("cim-emea", "CIM EMEA", "EMEA", 0, 1),
                QueueAvailability("cic", "CIC", "GLOBAL", cic_routable, 2)],
        contacts=[Colleague("carl", "Carl Agent", "EMEA", "CIC", ["cic"], carl)],
    )


def info(state: DiscussionState, sender: str = "ann", receiver: str = "carl") -> DiscussionInfo:
    names = {"ann": "Ann Agent", "carl": "Carl Agent"}
    return DiscussionInfo(discussion_id="d1", chat_id="c1", sender=sender, sender_name=names[sender], state=state,
                          receiver=receiver, receiver_name=names[receiver], queue="cic")


class Picked:
    def __init__(self) -> None:
        self.got: list[tuple[str | None, str | None]] = []

    def __call__(self, queue: str | None, colleague: str | None) -> None:
        self.got.append((queue, colleague))


def test_partner_picker_shows_availability_live_and_sends_the_request(qtbot: Any, answers: Answers) -> None:
    refreshed: list[int] = []
    picker = PartnerPicker("Rita Requestor", lambda: refreshed.append(1), answers, refresh_ms=20)
    qtbot.addWidget(picker)
    picked = Picked()
    picker.requested.connect(picked)
    picker.show()
    qtbot.waitUntil(lambda: len(refreshed) >= 3)  # asked again and again while shown
    assert not picker.send_button.isEnabled()

    picker.show_partners(partners(cic_routable=1))
    assert "CIC (cic) · GLOBAL  —  1 available · 2 on duty" in picker.rows(picker.queues)
    assert picker.rows(picker.contacts) == ["Carl Agent  —  Online · cic"]
    assert picker.select("cic")
    assert picker.send_button.isEnabled()
    # The next answer says nobody is free in CIC now and Carl is busy: the lists follow, the choice stays.
    picker.show_partners(partners(cic_routable=0, carl=ContactPresence.BUSY))
    assert "CIC (cic) · GLOBAL  —  nobody available · 2 on duty" in picker.rows(picker.queues)
    assert picker.rows(picker.contacts) == ["Carl Agent  —  Busy · cic"]
    assert picker.chosen() == ("cic", None)
    picker.select("carl")  # choosing a colleague unselects the queue
    assert picker.chosen() == (None, "carl")
    QTest.keyClick(picker, Qt.Key.Key_Return)
    assert picked.got == [(None, "carl")]
    assert not picker.isVisible()
    assert not picker.timer.isActive()  # hidden: no more refreshing


def test_cold_transfer_lists_other_queues_and_asks_first(qtbot: Any) -> None:
    answers = Answers(answer=False)
    picker = PartnerPicker("Rita Requestor", lambda: None, answers, cold=True, own_queues=("cim-emea",))
    qtbot.addWidget(picker)
    picked = Picked()
    picker.requested.connect(picked)
    picker.show()
    picker.show_partners(partners(cic_routable=0))
    assert [r.split("  —")[0] for r in picker.rows(picker.queues)] == ["CIC (cic) · GLOBAL"]
    assert not picker.contacts.isVisible()
    picker.select("cic")
    picker.send_button.click()
    assert answers.asked == ["Cold transfer?"] and picked.got == []  # said no: nothing happens
    answers.answer = True
    picker.send_button.click()
    assert picked.got == [("cic", None)]


def test_sender_panel_transfer_is_disabled_until_the_receiver_accepted(qtbot: Any) -> None:
    backend = FakeBackend()
    handovers = Handovers(backend)
    handovers.apply(DiscussionUpdate(discussion=info(DiscussionState.OFFERED), text="Waiting for Carl to accept."))
    model = handovers.for_chat("c1")
    assert model is not None
    panel = DiscussionPanel(model, handovers)
    qtbot.addWidget(panel)
    panel.show()
    assert not panel.transfer_button.isEnabled()
    assert panel.withdraw_button.isEnabled()
    assert not panel.accept_button.isVisible()
    assert "Waiting for Carl to accept." in panel.state.text()
    panel.transfer_button.click()
    assert backend.calls == []
    assert not handovers.accepted("c1")

    panel.input.setText("Order 4711, pricing")
    QTest.keyClick(panel.input, Qt.Key.Key_Return)
    handovers.apply(DiscussionMessage(discussion_id="d1", seq=1, sender="carl", sender_name="Carl Agent",
                                      text="Sounds like ours", at=1_800_000_000.0))
    assert "Sounds like ours" in panel.talk.toPlainText()

    handovers.apply(DiscussionUpdate(discussion=info(DiscussionState.ACCEPTED),
                                     text="Carl Agent accepted: you can transfer the chat now."))
    assert panel.transfer_button.isEnabled()
    assert panel.transfer_button.text() == "Transfer to Carl Agent"
    panel.transfer_button.click()
    assert backend.calls == [("discussion_say", ("d1", "Order 4711, pricing")), ("transfer", ("d1",))]

    handovers.apply(DiscussionUpdate(discussion=info(DiscussionState.DECLINED)))
    assert not panel.transfer_button.isEnabled() and not panel.input.isEnabled()


def test_receiver_window_shows_the_chat_and_its_history_and_answers(qtbot: Any, answers: Answers) -> None:
    backend = FakeBackend(username="carl")
    handovers = Handovers(backend)
    offered: list[str] = []
    handovers.offered.connect(offered.append)
    handovers.apply(DiscussionOffer(discussion=info(DiscussionState.OFFERED), chat=chat()))
    assert offered == ["d1"]
    assert backend.calls == [("get_transcript", ("c1",))]  # the history is fetched at once
    model = handovers.discussions["d1"]
    window = DiscussionWindow(model, handovers, answers)
    qtbot.addWidget(window)
    window.present()
    panel = window.panel
    assert "Ann Agent asks you to take a chat" in panel.title.text()
    assert "Rita Requestor" in panel.title.text() and "Incident 4711" in panel.title.text()
    assert panel.accept_button.isEnabled() and panel.decline_button.isEnabled()
    assert not panel.transfer_button.isVisible()
    model.set_transcript(Transcript(chat=chat(), messages=[message(1, "My printer is on fire")]))
    assert "My printer is on fire" in panel.history.toPlainText()

    panel.accept_button.click()
    assert backend.calls[-1] == ("answer_discussion", ("d1", True))
    handovers.apply(DiscussionUpdate(discussion=info(DiscussionState.ACCEPTED)))
    assert not panel.accept_button.isEnabled()
    handovers.apply(DiscussionUpdate(discussion=info(DiscussionState.TRANSFERRED)))
    assert not window.isVisible()  # the chat's own window takes over


def test_closing_an_offer_unanswered_declines_it_after_asking(qtbot: Any) -> None:
    backend = FakeBackend(username="carl")
    handovers = Handovers(backend)
    handovers.apply(DiscussionOffer(discussion=info(DiscussionState.OFFERED), chat=chat()))
    answers = Answers(answer=False)
    window = DiscussionWindow(handovers.discussions["d1"], handovers, answers)
    qtbot.addWidget(window)
    window.present()
    window.close()
    assert window.isVisible() and answers.asked == ["Decline the request?"]
    answers.answer = True
    window.close()
    assert not window.isVisible()
    assert backend.calls[-1] == ("answer_discussion", ("d1", False))


def make_chat_window(qtbot: Any, answers: Answers) -> tuple[ChatWindow, HandoverBar, Handovers, list[str]]:
    backend = FakeBackend()
    handovers = Handovers(backend)
    model = ChatModel(chat())
    sent: list[str] = []

    class Actions:
        def __getattr__(self, name: str) -> Any:
            return lambda *args: sent.append(args[1]) if name == "send_text" else ""

        def limits(self) -> None:
            return None  # the server said nothing: the schema's text limit, no file check

    canned = CannedIndex.for_queue(CANNED, "cim-emea")
    window = ChatWindow(model, Actions(), canned, answers)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    bar = HandoverBar("c1", "Rita Requestor", ("cim-emea",), handovers, answers,
                      (canned.expand("/ps-gotocic") or "",))
    window.set_handover(bar)
    window.present()
    return window, bar, handovers, sent


def type_and_enter(window: ChatWindow, text: str) -> None:
    window.input.setPlainText(text)
    QTest.keyClick(window.input, Qt.Key.Key_Return)


def test_announcing_a_transfer_before_acceptance_warns_in_the_chat_window(qtbot: Any, answers: Answers) -> None:
    window, bar, handovers, sent = make_chat_window(qtbot, answers)
    # Step 1 is fine: it only says the agent is looking.
    assert window.input.insert_canned("/ps-lookingforexpert")
    QTest.keyClick(window.input, Qt.Key.Key_Return)
    assert sent == [LOOKING] and not bar.warning.isVisible()

    type_and_enter(window, "I will transfer you to CIC now")
    assert sent == [LOOKING]  # held once
    assert bar.warning.isVisible() and "No expert has accepted" in bar.warning.text()
    assert window.input.toPlainText() == "I will transfer you to CIC now"
    QTest.keyClick(window.input, Qt.Key.Key_Return)  # Enter again: sent anyway, the warning stays
    assert sent[-1] == "I will transfer you to CIC now"
    assert "You announced a transfer before" in bar.warning.text()

    assert window.input.insert_canned("/ps-gotocic")  # the canned handover text counts as an announcement too
    QTest.keyClick(window.input, Qt.Key.Key_Return)
    assert sent[-1] == "I will transfer you to CIC now" and "Press Enter again" in bar.warning.text()
    window.input.clear()

    # Discuss…: the panel appears; once Carl accepted, announcing is what step 4 asks for.
    handovers.apply(DiscussionUpdate(discussion=info(DiscussionState.OFFERED)))
    assert bar.panel is not None and not bar.panel.transfer_button.isEnabled()
    assert not bar.discuss_button.isEnabled()  # one open discussion per chat
    handovers.apply(DiscussionUpdate(discussion=info(DiscussionState.ACCEPTED)))
    assert bar.panel.transfer_button.isEnabled() and not bar.warning.isVisible()
    type_and_enter(window, "Let me hand you over to Carl from CIC")
    assert sent[-1] == "Let me hand you over to Carl from CIC"
    assert not bar.warning.isVisible()


def test_discuss_opens_the_picker_and_sends_the_request(qtbot: Any, answers: Answers) -> None:
    _window, bar, handovers, _sent = make_chat_window(qtbot, answers)
    bar.discuss_button.click()
    picker = bar.picker
    assert picker is not None and picker.isVisible()
    backend = handovers._backend
    assert ("get_partners", ()) in backend.calls  # type: ignore[attr-defined]
    handovers._got_partners(partners(cic_routable=1))
    assert any("1 available" in r for r in picker.rows(picker.queues))
    picker.select("cic")
    picker.send_button.click()
    assert backend.calls[-1] == ("discuss", ("c1",), {"queue": "cic", "colleague": None})  # type: ignore[attr-defined]


def test_announcement_rule() -> None:
    assert not announces_transfer(LOOKING)
    for text in ("I will transfer you", "Let me hand you over to CIC.", "Another expert will take over",
                 "I am forwarding your chat to the right team"):
        assert announces_transfer(text), text
    assert announces_transfer("Custom CIC text", ["Custom  CIC text"])
    assert not announces_transfer("Thanks, one moment please")
    assert PROFILE.username == "ann"
