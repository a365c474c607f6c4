"""Contacts and IM widgets on their own: presence and the actions it allows, channel order and delivery
state, business context cards, the refusal of a sixth channel."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QUrl

from onduty.client.app.chat.models import LineState
from onduty.client.app.colleagues.colleagues import Colleagues
from onduty.client.app.colleagues.contacts_window import ContactsWindow
from onduty.client.app.colleagues.context_picker import ContextPicker
from onduty.client.app.colleagues.im_model import ChannelModel
from onduty.client.app.colleagues.im_window import ImWindow
from onduty.client.desk.templates import chat_card
from onduty.client.net import RequestFailed
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import Channel, Contacts, ContactStatus, ImMessage, ImSent
from onduty.shared.types import BusinessContext, Colleague, ContactPresence

from .factories import chat
from .fakes import FakeBackend

CARD = BusinessContext("chat", "c1", "Chat with Rita Requestor", {"queue": "cim-emea"})


def bob(presence: ContactPresence) -> Colleague:
    return Colleague("bob", "Bob Colleague", "APJ", "CIM", ["cim-emea"], presence, phone="+65 1234", email="b@x.io")


def im(seq: int, sender: str = "bob", text: str = "", context: BusinessContext | None = None) -> ImMessage:
    return ImMessage(peer="bob", seq=seq, sender=sender, sender_name=sender.title(), text=text or f"m{seq}",
                     at=1_800_000_000.0 + seq, context=context)


def test_actions_follow_the_contacts_presence(qtbot: Any) -> None:
    backend = FakeBackend()
    colleagues = Colleagues(backend)
    opened: list[QUrl] = []
    window = ContactsWindow(colleagues, lambda url: opened.append(url) or True)
    qtbot.addWidget(window)
    assert window.status.text().startswith("No contacts yet")
    backend.client.contacts = {"bob": bob(ContactPresence.ONLINE)}
    colleagues.apply(Contacts(contacts=[bob(ContactPresence.ONLINE)]))
    assert window.rows(window.contacts) == ["Bob Colleague  ·  Online  ·  cim-emea  ·  APJ"]
    assert window.status.text() == "1 contact."  # the empty-list hint goes once contacts arrive
    buttons = (window.message_button, window.call_button, window.email_button, window.context_button)
    assert all(b.isEnabled() for b in buttons)
    window.call_button.click()
    assert [u.toString() for u in opened] == ["tel:+651234"]
    for presence in (ContactPresence.BUSY, ContactPresence.OFFLINE):
        backend.client.contacts = {"bob": bob(presence)}
        colleagues.apply(ContactStatus(username="bob", presence=presence))
        assert [b.isEnabled() for b in buttons] == [True, False, True, False]
    window.message_button.click()
    window.remove_button.click()
    assert [c[0] for c in backend.calls] == ["open_channel", "remove_contact"]


def test_channel_keeps_seq_order_and_delivery_state(qtbot: Any) -> None:
    model = ChannelModel("bob", "Bob Colleague", "ann")
    model.add_messages([im(2), im(1)])
    key = model.add_pending("mine", "Ann Agent", CARD)
    assert model.lines[-1].state is LineState.SENDING and model.lines[-1].context == CARD
    assert not model.add_message(im(2))  # a repeat
    model.mark_sent(key, ImSent(peer="bob", client_msg_id="x", seq=3, at=1.0))
    model.add_message(im(4, text="later"))
    assert [(ln.seq, ln.state) for ln in model.lines] == [
        (1, LineState.RECEIVED), (2, LineState.RECEIVED), (3, LineState.SENT), (4, LineState.RECEIVED)]
    assert model.lines[2].mine and not model.lines[3].mine


def test_cards_open_and_a_sixth_channel_is_refused_clearly(qtbot: Any) -> None:
    backend = FakeBackend()
    colleagues = Colleagues(backend)
    window = ImWindow(colleagues)
    qtbot.addWidget(window)
    opened: list[BusinessContext] = []
    window.context_opened.connect(opened.append)
    colleagues._opened(Channel(peer="bob", messages=[im(1, text="see this", context=CARD)]))
    view = window.view("bob")
    assert view is not None and window.isVisible()
    view.messages.activated.emit(view.model.index(0, 0))
    assert opened == [CARD]

    colleagues._refused("f6", RequestFailed(ErrorCode.CHANNEL_LIMIT, "you have 5 conversations open; close one of "
                                            "them (a, b, c, d, e) first", "open_channel"))
    assert window.banner.isVisible()
    assert "Close one of them first" in window.banner.text() and "you have 5 conversations open" in window.banner.text()
    assert window.peers() == ["bob"]


def test_context_picker_offers_the_current_chat_and_recent_items(qtbot: Any) -> None:
    current = chat_card(chat())
    older = BusinessContext("chat", "c0", "Chat with Bob Builder")
    picker = ContextPicker("Bob Colleague", [current], [current, older])
    qtbot.addWidget(picker)
    got: list[tuple[BusinessContext, str]] = []
    picker.chosen.connect(lambda card, note: got.append((card, note)))
    assert picker.items.count() == 2  # the current chat is not listed twice
    assert current.fields["requestor"] == "Rita Requestor (rita@example.com)"
    picker.note.setText("please look")
    picker.send()
    assert got == [(current, "please look")]
