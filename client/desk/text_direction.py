"""Which way a message reads: by its first strongly directional character (Unicode's rules P2-P3, what a
browser's ``dir="auto"`` does), so an Arabic or Hebrew message is laid out right to left, an English one
left to right, whatever the language of the app."""

from __future__ import annotations

import unicodedata

RIGHT_TO_LEFT = frozenset({"R", "AL"})
"""Hebrew and other right-to-left letters; Arabic letters."""


def is_right_to_left(text: str) -> bool:
    """True when the first letter with a strong direction reads right to left (digits and marks do not count)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in RIGHT_TO_LEFT:
            return True
        if kind == "L":
            return False
    return False
