"""Seed 002's rules for agents messaging each other: presence as colleagues see it, five channels.

Pure: values in, values out. The shell keeps contacts and messages in the store.
"""

from __future__ import annotations

from onduty.server.core.decisions import AgentStatusChanged
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import MAX_CHANNELS
from onduty.shared.types import ContactPresence, Presence


def contact_presence(status: AgentStatusChanged | None) -> ContactPresence:
    """Online: connected and Available with no chat. Busy: connected but in a chat, Busy or Away.

    Duty does not matter here: an agent Off Duty can still talk to colleagues.
    """
    if status is None or not status.connected:
        return ContactPresence.OFFLINE
    if status.presence is Presence.AVAILABLE and not status.chats:
        return ContactPresence.ONLINE
    return ContactPresence.BUSY


def open_channel(open_now: list[str], peer: str, limit: int = MAX_CHANNELS) -> list[str]:
    """The open channels after opening one with ``peer``; a channel over the limit is refused."""
    if peer in open_now:
        return open_now
    if len(open_now) >= limit:
        raise ProtocolError(
            ErrorCode.CHANNEL_LIMIT,
            f"you have {limit} conversations open; close one of them ({', '.join(open_now)}) first",
        )
    return [*open_now, peer]
