"""Does a message to the requestor announce a transfer? (seed 001: not before the receiver accepted).

Step 1 of the warm handover ("Your question belongs to another expert area. Let me check if someone
is available.") only says the agent is looking; telling the requestor they will be transferred, handed
over or passed to another expert is step 4 and needs the receiving expert's confirmation first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ANNOUNCING = re.compile(
    r"\btransfer"
    r"|\bhand(?:ing|ed)?\s+(?:you|it|this|the\s+\w+)?\s*over\b"
    r"|\bhandover\b"
    r"|\bforward(?:ing)?\s+(?:you|it|this|the\s+\w+)"
    r"|\b(?:another|an\s+other|a\s+different|the\s+right)\s+(?:expert|colleague|team|engineer)\b(?!\s+area)"
    r"|\bput\s+you\s+through\b"
    r"|\bconnect(?:ing)?\s+you\s+(?:to|with)\b",
    re.IGNORECASE,
)

HANDOVER_SHORTCUTS = ("ps-gotocic",)
"""Canned messages that announce a handover (their text, whatever the queue's wording)."""


def announces_transfer(text: str, handover_texts: Iterable[str] = ()) -> bool:
    """True when ``text`` tells the requestor they are being moved to someone else."""
    flat = " ".join(text.split())
    if any(flat == " ".join(t.split()) for t in handover_texts if t.strip()):
        return True
    return _ANNOUNCING.search(flat) is not None
