"""How a requestor rated a chat, as the agent reads it in a transcript (past chats, a case's chats)."""

from __future__ import annotations

import html

from onduty.shared.types import ChatRating

RATING_WORDS = {1: "very poor", 2: "poor", 3: "okay", 4: "good", 5: "very good"}
"""The words the widget shows beside each number (widget/src/i18n.js, English)."""


def rating_text(rating: ChatRating) -> str:
    """'Rated 4 of 5 (good) by the requestor: "Quick and friendly"'."""
    words = RATING_WORDS.get(rating.rating, "?")
    comment = f': "{rating.comment}"' if rating.comment else ""
    return f"Rated {rating.rating} of 5 ({words}) by the requestor{comment}"


def rating_html(rating: ChatRating | None) -> str:
    """One paragraph for a transcript ('Not rated' when there is none); the comment laid out by its own direction."""
    if rating is None:
        return "<p><i>Not rated by the requestor.</i></p>"
    words = RATING_WORDS.get(rating.rating, "?")
    comment = f": <span dir='auto'>“{html.escape(rating.comment)}”</span>" if rating.comment else ""
    return f"<p><b>Rated {rating.rating} of 5</b> ({words}) by the requestor{comment}</p>"
