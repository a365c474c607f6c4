"""The callback list's actions: claim, call (tel:) and mail (mailto:) after claiming, mark done with an outcome,
and rows following ``callback_update`` live."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QUrl

from onduty.client.app.chat.callbacks import STATE_COLUMN, CallbacksDialog, OutcomeDialog
from onduty.shared.types import CallbackInfo, CallbackOutcome, RequestType

from .fakes import QUEUE_TITLES


def _cb(number: int, phone: str | None = "+49 (89) 123-4567", email: str | None = None, **more: Any) -> CallbackInfo:
    return CallbackInfo(callback_id=number, queue="cim-emea", name=f"Requestor {number}", phone=phone, email=email,
                        text="Please call\nabout my order", request_type=RequestType.SALES_ORDER,
                        created_at=1_800_000_000.0, **more)


class FakeSource:
    """Records requests; the test answers them as the server would."""

    username = "ann"
    open_count = 2

    def open_callbacks(self) -> int:
        return self.open_count

    def __init__(self) -> None:
        self.claims: list[tuple[int, Callable[[CallbackInfo], None] | None]] = []
        self.finished: list[tuple[int, CallbackOutcome, str | None]] = []
        self.lists: list[bool] = []

    def callbacks(self, on_done: Callable[[list[CallbackInfo]], None], done: bool = False) -> None:
        self.lists.append(done)
        on_done([_cb(2, email="rosa@example.com", phone=None), _cb(1)])

    def claim_callback(self, callback_id: int, on_done: Callable[[CallbackInfo], None] | None = None) -> None:
        self.claims.append((callback_id, on_done))

    def finish_callback(self, callback_id: int, outcome: CallbackOutcome, note: str | None,
                        on_done: Callable[[CallbackInfo], None] | None = None) -> None:
        self.finished.append((callback_id, outcome, note))

    def queue_title(self, queue: str) -> str:
        return QUEUE_TITLES.get(queue, queue)


def _row_of(dialog: CallbacksDialog, number: int) -> int:
    return next(r for r, c in enumerate(dialog.items) if c.callback_id == number)


def test_call_claims_first_then_opens_the_tel_link_and_done_records_the_outcome(qapp: Any, close_windows: None) -> None:
    source, opened = FakeSource(), []
    answers = [(CallbackOutcome.NO_ANSWER, "rang twice")]
    dialog = CallbacksDialog(source, open_url=lambda url: opened.append(url) or True,
                             ask=lambda cb, parent: answers.pop())
    dialog.refresh()
    assert dialog.table.rowCount() == 2 and dialog.count.text() == "2 open, 0 claimed"
    assert dialog.table.item(0, 1).text() == "CIM EMEA" and dialog.table.item(0, STATE_COLUMN).text() == "Open"

    dialog.table.selectRow(_row_of(dialog, 1))
    assert dialog.call_button.isEnabled() and not dialog.mail_button.isEnabled()  # no e-mail address
    dialog.call_button.click()
    assert opened == [] and [n for n, _ in source.claims] == [1]  # nothing dialled before the claim is confirmed
    _number, confirm = source.claims[0]
    assert confirm is not None
    confirm(dataclasses.replace(_cb(1), claimed_by="ann", claimed_at=1.0, claimed_until=1801.0))
    assert opened == [QUrl("tel:+49891234567")]
    assert dialog.table.item(_row_of(dialog, 1), STATE_COLUMN).text() == "Claimed by you"
    assert dialog.count.text() == "1 open, 1 claimed"
    assert not dialog.claim_button.isEnabled()  # mine already

    dialog.call_button.click()  # mine: dials at once, no second claim
    assert len(opened) == 2 and len(source.claims) == 1

    dialog.done_button.click()
    assert source.finished == [(1, CallbackOutcome.NO_ANSWER, "rang twice")]


def test_mail_opens_a_mailto_link_with_a_subject(qapp: Any, close_windows: None) -> None:
    source, opened = FakeSource(), []
    dialog = CallbacksDialog(source, open_url=lambda url: opened.append(url) or True)
    dialog.refresh()
    dialog.table.selectRow(_row_of(dialog, 2))
    assert dialog.mail_button.isEnabled() and not dialog.call_button.isEnabled()
    dialog.mail_button.click()
    _n, confirm = source.claims[0]
    assert confirm is not None
    confirm(dataclasses.replace(_cb(2, email="rosa@example.com", phone=None), claimed_by="ann"))
    assert [u.toString() for u in opened] == ["mailto:rosa@example.com?subject=Your request%3A Please call"]


def test_a_colleagues_claim_and_outcome_show_live_and_lock_the_row(qapp: Any, close_windows: None) -> None:
    source = FakeSource()
    dialog = CallbacksDialog(source, open_url=lambda url: True)
    dialog.refresh()
    dialog.table.selectRow(_row_of(dialog, 1))
    dialog.update_item(dataclasses.replace(_cb(1), claimed_by="bob", claimed_until=2.0))
    assert dialog.table.item(_row_of(dialog, 1), STATE_COLUMN).text() == "Claimed by bob"
    assert dialog.selected() is not None and dialog.selected().callback_id == 1  # type: ignore[union-attr]
    assert not any(b.isEnabled() for b in (dialog.claim_button, dialog.call_button, dialog.done_button))

    dialog.update_item(dataclasses.replace(_cb(1)))  # bob's claim lapsed: open again
    assert dialog.claim_button.isEnabled()
    done = dataclasses.replace(_cb(1), claimed_by="bob", done_by="bob", done_at=3.0, outcome=CallbackOutcome.REACHED)
    dialog.update_item(done)
    assert [c.callback_id for c in dialog.items] == [2]  # done: off the open list
    dialog.show_done.setChecked(True)  # asks the server for the done ones too
    assert source.lists == [False, True]
    dialog.update_item(done)
    assert dialog.table.item(_row_of(dialog, 1), STATE_COLUMN).text() == "Done: Reached (bob)"
    assert dialog.count.text() == "1 open, 0 claimed, 1 done"


def test_the_outcome_dialog_offers_labelled_choices_and_a_note(qapp: Any, close_windows: None) -> None:
    phone = OutcomeDialog(_cb(1))
    assert [b.text() for b in phone.buttons.values()] == ["Reached", "No answer", "Wrong number", "Answered by e-mail"]
    assert phone.outcome() == (CallbackOutcome.REACHED, None)
    phone.buttons[CallbackOutcome.WRONG_NUMBER].setChecked(True)
    phone.note.setPlainText("  " + "x" * 1200)
    outcome, note = phone.outcome()
    assert outcome is CallbackOutcome.WRONG_NUMBER and note == "x" * 1000
    assert OutcomeDialog(_cb(2, phone=None, email="a@b.example")).outcome() == (CallbackOutcome.MAILED, None)


def test_a_new_request_counted_by_the_server_reloads_the_open_list(qapp: Any, close_windows: None) -> None:
    source = FakeSource()
    dialog = CallbacksDialog(source, open_url=lambda url: True)
    dialog.refresh()
    dialog.follow_changes()  # the tray redrew, the count is what the list shows
    assert source.lists == [False]
    dialog.update_item(dataclasses.replace(_cb(1), claimed_by="bob"))
    source.open_count = 1
    dialog.follow_changes()  # bob's claim: the count follows the list, nothing to read
    assert source.lists == [False]
    source.open_count = 2  # a requestor left a new one
    dialog.follow_changes()
    assert source.lists == [False, False]
