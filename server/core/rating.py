"""The rules of a requestor's rating (issue 21): what may be rated, when, and how.

* Only the chat's own requestor rates it: the shell checks the chat is this connection's, or that the requestor
  holds the chat's resume token (``unknown_chat`` otherwise, whether or not the chat exists).
* Only once the chat is over: ended by either side (``chat_ended``) or already closed; a chat still waiting
  or running is ``not_allowed``. The widget offers the rating at the chat's end.
* 1 (poor) to 5 (very good), else ``invalid_value``; the comment is optional (blank counts as none) and at most
  ``RATING_COMMENT_MAX`` characters (the codec refuses a longer one with ``too_large``).
* Once per chat: a second rating is refused (``already_rated``, by the store) and the first is kept, so a
  report counts each chat once and nobody can change a rating after the agent read it.
"""

from __future__ import annotations

from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.types import RATING_MAX, RATING_MIN, ChatRating


def rating_of(over: bool, rating: int, comment: str | None, now: float) -> ChatRating:
    """The rating to store, or a ProtocolError saying why not (``over``: the chat has ended or is closed)."""
    if not over:
        raise ProtocolError(ErrorCode.NOT_ALLOWED, "a chat is rated once it has ended")
    if not RATING_MIN <= rating <= RATING_MAX:
        raise ProtocolError(ErrorCode.INVALID_VALUE, f"a rating is {RATING_MIN} to {RATING_MAX}")
    text = comment.strip() if comment else ""
    return ChatRating(rating=rating, at=now, comment=text or None)
