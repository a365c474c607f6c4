"""Seed 002: what colleagues see of an agent, and at most five IM channels."""

from __future__ import annotations

import pytest

from onduty.server.core.collab import contact_presence, open_channel
from onduty.server.core.decisions import AgentStatusChanged
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.types import ContactPresence, Presence


def status(connected: bool = True, on_duty: bool = True, presence: Presence = Presence.AVAILABLE,
           chats: tuple[str, ...] = ()) -> AgentStatusChanged:
    return AgentStatusChanged("ann", connected, on_duty, presence, routable=False, chats=chats, capacity=1)


@pytest.mark.parametrize(
    ("s", "expected"),
    [
        (None, ContactPresence.OFFLINE),
        (status(connected=False), ContactPresence.OFFLINE),
        (status(), ContactPresence.ONLINE),
        (status(on_duty=False), ContactPresence.ONLINE),
        (status(chats=("c1",)), ContactPresence.BUSY),
        (status(presence=Presence.BUSY), ContactPresence.BUSY),
        (status(presence=Presence.AWAY), ContactPresence.BUSY),
    ],
)
def test_presence_as_colleagues_see_it(s: AgentStatusChanged | None, expected: ContactPresence) -> None:
    assert contact_presence(s) is expected


def test_five_channels_then_a_clear_refusal() -> None:
    open_now: list[str] = []
    for peer in ["b", "c", "d", "e", "f"]:
        open_now = open_channel(open_now, peer)
    assert open_channel(open_now, "c") == open_now  # already open: no change
    with pytest.raises(ProtocolError) as err:
        open_channel(open_now, "g")
    assert err.value.code is ErrorCode.CHANNEL_LIMIT
    assert "close one" in err.value.detail
    assert open_channel(open_now[1:], "g") == ["c", "d", "e", "f", "g"]
