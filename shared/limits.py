"""Protocol version and the size limits every peer enforces."""

from __future__ import annotations

from dataclasses import dataclass

PROTOCOL_VERSION = 3
"""Bumped on any incompatible change of a message; exchanged in ``hello``/``welcome``. Protocol 3 adds
``welcome.limits`` (a field a protocol 2 decoder, which refuses unknown keys, must never see)."""

SUPPORTED_PROTOCOLS = (1, 2, 3)
"""What the server still speaks. Protocol 1 (no request ids) is served until release 0.3, protocol 2 (no
``welcome.limits``) for tray apps rolled out before protocol 3 (docs/protocol.md)."""

MAX_TEXT = 8000
"""Characters of one chat message, instant message, memo or callback text (the ``Text`` type's limit)."""

MAX_INT = 2**53 - 1
"""Every integer field is 0 <= n <= MAX_INT (what JavaScript represents exactly, and SQLite stores)."""


@dataclass(frozen=True, slots=True)
class Limits:
    """Upper bounds for one frame and its contents.

    ``max_frame`` is the whole binary frame; the others bound a decoded value so that a
    small frame cannot expand into a huge structure. Per-field limits (e.g. a chat text)
    are declared on the message classes and may be tighter.
    """

    max_frame: int = 64 * 1024
    max_str: int = 16 * 1024
    max_bin: int = 0
    max_array: int = 256
    max_map: int = 64
    max_depth: int = 6
    """Containers nested in a frame, the frame's own map included."""
