"""What the agent sends, checked against the server's limits (``welcome.limits``) before it goes out, with the
reason to show: a text is never cut, a file that would be refused is never uploaded."""

from __future__ import annotations

from pathlib import PurePath

from onduty.shared.limits import MAX_TEXT
from onduty.shared.sizes import human_size
from onduty.shared.types import ContentLimits

NEAR = 0.9
"""The counter shows from 90 % of the text limit."""


def text_limit(limits: ContentLimits | None) -> int:
    return limits.max_text if limits is not None else MAX_TEXT


def length_note(text: str, limit: int) -> str:
    """``"7,500 / 8,000 characters"`` near the limit, ``""`` far from it."""
    return f"{len(text):,} / {limit:,} characters" if len(text) >= limit * NEAR else ""


def text_refusal(text: str, limit: int) -> str | None:
    over = len(text) - limit
    if over <= 0:
        return None
    return f"This message is {over:,} characters too long (at most {limit:,}). Shorten it or send it in two parts."


def file_refusal(name: str, size: int, limits: ContentLimits | None) -> str | None:
    """Why the server would refuse this file (size, then type), or None; None too when it did not say."""
    if limits is None:
        return None
    if size > limits.max_file_bytes:
        return f"{name} is {human_size(size)}; files can be at most {human_size(limits.max_file_bytes)}."
    ext = PurePath(name).suffix.lower()
    if ext not in limits.file_types:
        kind = f"{ext} files are" if ext else "files without a type (extension) are"
        return f"{name} cannot be sent: {kind} not accepted. Accepted: {' '.join(limits.file_types)}"
    return None
