"""Case records on the SQLite store (issue 6): mixed into :class:`SqliteStore`."""

from __future__ import annotations


class CaseStoreMixin:
    """The cases part of the SQLite store; methods use the store's ``_read`` / ``_write``."""
