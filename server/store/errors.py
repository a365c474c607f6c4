"""The store's exceptions: one root, with "the request was refused" kept apart from "the store failed".

* :class:`StoreRefused` -- the caller asked for something the data does not allow (a duplicate
  name, an unknown reference, an ack beyond the last message). Retrying the same call fails again.
* :class:`StoreUnavailable` -- the database failed (locked for too long, disk error, connection
  gone). Nothing of that call was stored; the store's ``healthy`` flag is False until a later
  write succeeds.

Driver exceptions (``sqlite3.Error``, later ``psycopg.Error``) never reach the shell: every
implementation wraps them in one of these, with the driver's exception as ``__cause__``.
"""

from __future__ import annotations


class StoreError(Exception):
    """Root of everything the store raises on purpose."""


class StoreRefused(StoreError):
    """A store operation was refused (duplicate name, unknown reference, out of range)."""


class SeqOutOfRange(StoreRefused):
    """An ack names a sequence number the conversation has not reached (or a negative one)."""

    def __init__(self, conversation: str, seq: int, last_seq: int) -> None:
        super().__init__(f"{conversation}: seq {seq} is outside 0..{last_seq}")
        self.conversation = conversation
        self.seq = seq
        self.last_seq = last_seq


class StoreUnavailable(StoreError):
    """The database could not carry out the operation; nothing of it was stored."""


class Fenced(StoreUnavailable):
    """This node no longer owns routing: another node took the lease (a newer epoch); nothing of
    the write was stored, and this node must stop deciding anything."""


class StoreUrlError(StoreError, ValueError):
    """A store URL (``--store`` / ``ONDUTY_STORE``) is malformed or names a scheme this release cannot open."""
