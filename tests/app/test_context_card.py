"""The chat window's business context card: readable labels from the one definition of the context fields
(shared/context_fields.json, which the widget builds its items from), folded by default, and the
conversation keeps most of the window's height, also while the transfer warning shows."""

from __future__ import annotations

import dataclasses
from typing import Any

from onduty.client.app.chat.chat_window import ChatWindow
from onduty.client.app.chat.models import ChatModel
from onduty.client.desk.canned import CannedIndex
from onduty.client.desk.context_card import brief, context_line, fields
from onduty.shared.types import BusinessContext

from .conftest import Answers
from .factories import CANNED, chat
from .test_chat_window import Actions
from .test_handover_ui import make_chat_window, type_and_enter

WEB_SHOP = BusinessContext("web_shop", "NW-SHOP-DE", "", {
    "web_shop_id": "NW-SHOP-DE", "product_catalog_id": "NW-2025", "catalog_variant_id": "EUR-DE",
    "catalog_hierarchy_area": "Camping/Tents", "on_login_page": "false", "page": "https://shop.example/tents",
})
PRODUCT = BusinessContext("product", "TENT-FJELL-2", "Fjell 2 ultralight tent", {"product_id": "TENT-FJELL-2"})
BASKET = BusinessContext("basket", "B-58211", "3 item(s)", {"item 01": "1 x TENT-FJELL-2 Fjell 2 ultralight tent",
                                                             "item 02": "2 x PEG-TI-8 Titanium pegs"})
OWN = BusinessContext("crm_lead", "L-7", "", {"sales_rep": "Jo", "next-step": "call"})


def test_fields_read_as_labels_in_the_definitions_order() -> None:
    assert fields(WEB_SHOP) == [
        ("Web shop ID", "NW-SHOP-DE"), ("Catalog", "NW-2025"), ("Catalog variant", "EUR-DE"),
        ("Catalog area", "Camping/Tents"), ("On the login page", "No"), ("Page", "https://shop.example/tents"),
    ]
    assert brief(WEB_SHOP) == "Web shop NW-SHOP-DE · Catalog area Camping/Tents"
    assert context_line(PRODUCT) == "Product TENT-FJELL-2: Fjell 2 ultralight tent"


def test_a_hosts_own_kind_and_fields_are_made_readable() -> None:
    assert context_line(OWN) == "Crm lead L-7"
    assert fields(OWN) == [("Next step", "call"), ("Sales rep", "Jo")]


def window_with(qtbot: Any, answers: Answers, context: list[BusinessContext]) -> ChatWindow:
    model = ChatModel(dataclasses.replace(chat(), context=context))
    window = ChatWindow(model, Actions(model), CannedIndex.for_queue(CANNED, "cim-emea"), answers)
    qtbot.addWidget(window)
    window.resize(520, 640)
    window.present()
    return window


def test_the_card_is_short_until_unfolded(qtbot: Any, answers: Answers) -> None:
    window = window_with(qtbot, answers, [WEB_SHOP, PRODUCT, BASKET, OWN])
    card = window.context_card
    assert not card.expanded and card.details_area.isHidden()
    assert card.summary.text().split("<br>") == [
        "Web shop NW-SHOP-DE · Catalog area Camping/Tents", "Product TENT-FJELL-2: Fjell 2 ultralight tent",
        "Basket B-58211: 3 item(s)", "<span style='color:#5f6368'>and 1 more</span>",
    ]
    assert "catalog_hierarchy_area" not in card.summary.text() + card.details.text()
    card.toggle.click()
    assert card.expanded and card.summary.isHidden() and not card.details_area.isHidden()
    for label in ("Catalog area", "On the login page", "Sales rep", "2 x PEG-TI-8 Titanium pegs"):
        assert label in card.details.text()


def test_the_conversation_keeps_most_of_the_height(qtbot: Any, answers: Answers) -> None:
    window = window_with(qtbot, answers, [WEB_SHOP, PRODUCT, BASKET])
    qtbot.waitExposed(window)
    assert window.messages.height() > window.height() / 2
    window.context_card.toggle.click()  # unfolded: the fields scroll inside the card
    qtbot.waitUntil(lambda: window.context_card.details_area.isVisible())
    assert window.messages.height() > window.height() / 4


def test_the_transfer_warning_leaves_the_conversation_most_of_the_height(qtbot: Any, answers: Answers) -> None:
    window, bar, _, _ = make_chat_window(qtbot, answers)
    window.resize(520, 640)
    qtbot.waitExposed(window)
    type_and_enter(window, "I will transfer you to CIC now")
    qtbot.waitUntil(lambda: bar.warning.isVisible())
    assert window.messages.height() > window.height() * 0.4


def test_no_context_no_card(qtbot: Any, answers: Answers) -> None:
    window = window_with(qtbot, answers, [])
    assert window.context_card.isHidden()
