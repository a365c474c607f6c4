"""The requestor's rating where the agent reads a chat: the past chat's transcript and a case's chats."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from onduty.client.app.chat.history import transcript_html
from onduty.client.desk.case_pages import chats_html
from onduty.client.net.cases.models import LinkedChat
from onduty.shared.messages import Transcript
from onduty.shared.types import ChatRating, ChatState

from .factories import chat, message
from .fakes import QUEUE_TITLES

RATED = ChatRating(rating=4, at=1_800_000_100.0, comment="Schnell und freundlich")


def _title(queue: str) -> str:
    return QUEUE_TITLES.get(queue, queue)


def test_a_past_chat_shows_its_rating_or_that_it_has_none() -> None:
    ended = dataclasses.replace(chat(), state=ChatState.CLOSED)
    rated = transcript_html(Transcript(chat=ended, messages=[message(1, "Hallo")], rating=RATED), _title)
    assert "<b>Rated 4 of 5</b> (good) by the requestor: <span dir='auto'>“Schnell und freundlich”</span>" in rated
    assert "Not rated by the requestor." in transcript_html(Transcript(chat=ended, messages=[]), _title)
    running = dataclasses.replace(chat(), state=ChatState.ACTIVE)
    assert "rated" not in transcript_html(Transcript(chat=running, messages=[]), _title).lower()


def test_a_cases_chat_shows_its_rating_escaped() -> None:
    linked = LinkedChat("c1", "cim-emea", "Rita", "other", 1.0, "ann", 2.0, 3.0, "ann", (), (), (), (),
                        rating=ChatRating(rating=1, at=2.5, comment="<b>never again</b>"))
    shown = chats_html(SimpleNamespace(chats=(linked,)), _title)  # type: ignore[arg-type]
    assert "Chat with Rita · CIM EMEA · " in shown
    assert "<b>Rated 1 of 5</b> (very poor) by the requestor: <span dir='auto'>“&lt;b&gt;never again&lt;/b&gt;”" \
        in shown
    plain = SimpleNamespace(chats=(dataclasses.replace(linked, rating=None),))
    unrated = chats_html(plain, _title)  # type: ignore[arg-type]
    assert "Not rated by the requestor." in unrated
