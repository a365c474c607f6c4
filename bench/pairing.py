"""Who is paired with whom on a baseline relay: the first two connections of a pair id."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgpack

C = TypeVar("C")

PAIRED = bytes(msgpack.packb({"t": "paired"}))
"""Sent to both sides once the second one arrived: the load generator starts sending after it."""


class Pairs(Generic[C]):
    """Pair id -> its (at most two) connections; a third connection with the same id is refused."""

    def __init__(self) -> None:
        self._members: dict[str, list[C]] = {}
        self._partner: dict[C, C] = {}

    def join(self, pair: str, conn: C) -> C | None:
        """Add ``conn``; returns its partner when it completes the pair. Raises ValueError when full."""
        members = self._members.setdefault(pair, [])
        if len(members) >= 2:
            raise ValueError(f"pair {pair} is full")
        members.append(conn)
        if len(members) < 2:
            return None
        first = members[0]
        self._partner[first] = conn
        self._partner[conn] = first
        return first

    def partner(self, conn: C) -> C | None:
        return self._partner.get(conn)

    def leave(self, pair: str, conn: C) -> None:
        members = self._members.get(pair, [])
        if conn in members:
            members.remove(conn)
        if not members:
            self._members.pop(pair, None)
        other = self._partner.pop(conn, None)
        if other is not None:
            self._partner.pop(other, None)
