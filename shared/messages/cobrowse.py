"""Co-browsing (seed 004): the agent sees the requestor's page live and points at it.

The requestor's widget records its page with rrweb, masks private fields before anything leaves the browser,
and sends the recording as ``cobrowse_data`` chunks; the server relays them, never storing them, to the
agent's viewer page (``/cobrowse/ws``, opened by a one-time link). The viewer sends ``cobrowse_point`` back,
shown on the requestor's page. Only the chat's two parties take part, and only while the chat runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, ClassVar

from onduty.shared.messages.base import Message
from onduty.shared.types import Ident, Max, Name, Role, Text

CHUNK_CHARS = 16 * 1024
"""Characters of recording per ``cobrowse_data`` frame: at most 3 UTF-8 bytes each, so a chunk fits a 64 KiB frame."""
MAX_PARTS = 4096
"""Chunks of one batch at most (a full snapshot of a very large page: 64 MiB of recording)."""


class CobrowseStatus(StrEnum):
    INVITED = "invited"
    """The agent asked; the requestor has not answered yet."""
    ACTIVE = "active"
    """The page is shared."""
    DECLINED = "declined"
    """The requestor said No to the invitation."""
    STOPPED = "stopped"
    """Either side stopped, or the chat ended."""


# --- agent -> server ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CobrowseInvite(Message):
    """Ask the requestor to share the page (the widget asks Allow / No); answered with ``cobrowse_update``."""

    TYPE: ClassVar[str] = "cobrowse_invite"
    chat_id: Ident


@dataclass(frozen=True, slots=True)
class GetCobrowseLink(Message):
    """A one-time link that opens the co-browse view of a held chat in the agent's browser."""

    TYPE: ClassVar[str] = "get_cobrowse_link"
    chat_id: Ident


# --- requestor -> server --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CobrowseStart(Message):
    """Share the page: the requestor's own start, or Allow on the agent's invitation."""

    TYPE: ClassVar[str] = "cobrowse_start"
    chat_id: Ident


@dataclass(frozen=True, slots=True)
class CobrowseDecline(Message):
    """No to the agent's invitation."""

    TYPE: ClassVar[str] = "cobrowse_decline"
    chat_id: Ident


@dataclass(frozen=True, slots=True)
class CobrowseData(Message):
    """One chunk of the page's recording (requestor -> server; relayed to the viewers as ``cobrowse_chunk``,
    never stored).

    A batch is a JSON array of rrweb events cut into ``parts`` chunks of at most ``CHUNK_CHARS``; the viewer
    joins parts ``0 .. parts-1`` of a batch in order. ``full``: the batch begins with a full snapshot
    (the page's DOM), after which a viewer that skipped batches is whole again."""

    TYPE: ClassVar[str] = "cobrowse_data"
    chat_id: Ident
    batch: int
    part: int
    parts: int
    data: Annotated[str, Max(CHUNK_CHARS)]
    full: bool = False


# --- server -> the agent's viewer ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CobrowseChunk(Message):
    """A ``cobrowse_data`` chunk as the requestor sent it, to the chat's viewer pages (the same fields)."""

    TYPE: ClassVar[str] = "cobrowse_chunk"
    chat_id: Ident
    batch: int
    part: int
    parts: int
    data: Annotated[str, Max(CHUNK_CHARS)]
    full: bool = False


# --- either party (and the viewer) -> server ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CobrowseStop(Message):
    """Stop sharing (requestor, agent or the agent's viewer); answered with ``cobrowse_update`` ``stopped``."""

    TYPE: ClassVar[str] = "cobrowse_stop"
    chat_id: Ident


# --- viewer -> server -> requestor ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CobrowsePoint(Message):
    """Where the agent points, in CSS pixels of the requestor's window (``visible`` false: the pointer left)."""

    TYPE: ClassVar[str] = "cobrowse_point"
    chat_id: Ident
    x: float
    y: float
    visible: bool = True


# --- server -> parties ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CobrowseUpdate(Message):
    """The chat's co-browse now, to the requestor, the agent and the viewers: after each change."""

    TYPE: ClassVar[str] = "cobrowse_update"
    chat_id: Ident
    status: CobrowseStatus
    agent_name: Name
    """The agent's display name (the banner: "Your page is shared with NAME")."""
    text: Text
    """What to show, e.g. ``Demo Agent asks to see this page with you``."""
    by: Role | None = None
    """Who made the change (None: the server, e.g. the chat ended)."""
    viewers: int = 0
    """Viewer pages of the agent connected now."""


@dataclass(frozen=True, slots=True)
class CobrowseSnapshot(Message):
    """To the requestor: send a new full snapshot (a viewer joined, or skipped batches it was too slow for)."""

    TYPE: ClassVar[str] = "cobrowse_snapshot"
    chat_id: Ident


@dataclass(frozen=True, slots=True)
class CobrowseLink(Message):
    """A one-time link to the co-browse view of ``chat_id``: valid once, until ``expires_at``."""

    TYPE: ClassVar[str] = "cobrowse_link"
    chat_id: Ident
    url: Annotated[str, Max(2048)]
    expires_at: float
