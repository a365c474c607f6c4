"""Canned messages offered when the agent types ``/`` + a shortcut (no Qt here; the completer is ``MessageEdit``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from onduty.shared.types import CannedMessage


def shortcut_of(item: CannedMessage) -> str:
    """Shortcuts are shown and typed with their slash, however the server spells them."""
    return "/" + item.shortcut.lstrip("/")


@dataclass(frozen=True, slots=True)
class CannedIndex:
    """The canned messages one chat can use: its queue's own first, then the agent's other queues'."""

    items: tuple[CannedMessage, ...]

    @classmethod
    def for_queue(cls, items: Iterable[CannedMessage], queue: str) -> CannedIndex:
        ordered = sorted(items, key=lambda c: (c.queue != queue, shortcut_of(c).lower()))
        seen: set[str] = set()
        unique: list[CannedMessage] = []
        for item in ordered:
            key = shortcut_of(item).lower()
            if key not in seen:
                seen.add(key)
                unique.append(item)
        return cls(tuple(unique))

    @staticmethod
    def is_prefix(typed: str) -> bool:
        """The input is a slash command being typed: ``/`` then no whitespace."""
        return typed.startswith("/") and not any(ch.isspace() for ch in typed)

    def matching(self, typed: str) -> list[CannedMessage]:
        if not self.is_prefix(typed):
            return []
        needle = typed.lower()
        return [c for c in self.items if shortcut_of(c).lower().startswith(needle)]

    def expand(self, typed: str) -> str | None:
        """The canned text when ``typed`` is exactly one shortcut (so Enter inserts it instead of sending)."""
        needle = typed.strip().lower()
        for item in self.items:
            if shortcut_of(item).lower() == needle:
                return item.text
        return None
