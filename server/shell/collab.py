"""Agents messaging each other (seed 002): directory, mutual contacts, presence, IM channels.

The rules are in :mod:`onduty.server.core.collab`; this shell keeps who is whose contact
(for the agents online), tells contacts when someone's presence changes, and stores every
instant message before confirming it (``im_sent``), delivering it now or at the peer's
next sign-in until the peer acknowledges it (``im_ack``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from onduty.server.core.collab import contact_presence, open_channel
from onduty.server.store import AgentRecord, ImRecord
from onduty.shared.errors import ErrorCode, ProtocolError
from onduty.shared.messages import (
    Channel,
    Contacts,
    ContactStatus,
    Directory,
    ImMessage,
    ImSent,
)
from onduty.shared.types import BusinessContext, Colleague, ContactPresence

if TYPE_CHECKING:
    from onduty.server.shell.hub import Hub

log = logging.getLogger(__name__)
PAGE = 100


def to_wire(m: ImRecord, viewer: str) -> ImMessage:
    return ImMessage(peer=m.peer_of(viewer), seq=m.seq, sender=m.sender, sender_name=m.sender_name, text=m.text,
                     at=m.at, client_msg_id=m.client_msg_id, context=m.context)


class Collaboration:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.contacts: dict[str, set[str]] = {}
        """Contacts of the agents signed in."""
        self.watchers: dict[str, set[str]] = {}
        """Who must hear of an agent's presence: the signed-in agents that have it as a contact."""
        self._told: dict[str, ContactPresence] = {}

    # --- presence ----------------------------------------------------------------------

    def presence(self, username: str) -> ContactPresence:
        if username not in self.hub.agents:
            return ContactPresence.OFFLINE
        return contact_presence(self.hub.router.agent_status(username))

    def presence_changed(self, username: str) -> None:
        """Tell the online contacts of ``username`` if what they see of it changed."""
        now = self.presence(username)
        if self._told.get(username, ContactPresence.OFFLINE) is now:
            return
        self._told[username] = now
        frame = self.hub.codec.encode(ContactStatus(username=username, presence=now))
        for watcher in self.watchers.get(username, ()):
            if (conn := self.hub.agents.get(watcher)) is not None:
                conn.peer.send_frame(frame)
        if now is ContactPresence.OFFLINE:
            self._set_contacts(username, set())

    def _set_contacts(self, username: str, names: set[str]) -> None:
        for gone in self.contacts.pop(username, set()) - names:
            self.watchers.get(gone, set()).discard(username)
        if names:
            self.contacts[username] = names
            for name in names:
                self.watchers.setdefault(name, set()).add(username)

    def colleague(self, agent: AgentRecord) -> Colleague:
        return Colleague(
            username=agent.username, display_name=agent.display_name, region=agent.region, lob=agent.lob,
            queues=list(agent.queues), presence=self.presence(agent.username), phone=agent.phone, email=agent.email,
        )

    # --- sign-in -----------------------------------------------------------------------

    async def signed_in(self, username: str) -> None:
        """Send the contact list and every instant message not yet acknowledged."""
        store = self.hub.store
        await self.send_contacts(username)
        conn = self.hub.agents.get(username)
        if conn is not None:
            for m in await store.im_unread(username):
                conn.peer.send(to_wire(m, username))
        self.presence_changed(username)

    async def send_contacts(self, username: str) -> None:
        conn = self.hub.agents.get(username)
        if conn is None:
            return
        names = await self.hub.store.contacts_of(username)
        self._set_contacts(username, set(names))
        conn.peer.send(Contacts(contacts=await self.colleagues(names)))

    async def colleagues(self, names: list[str]) -> list[Colleague]:
        """Directory entries with live presence for ``names`` (at most 200, the message's limit)."""
        agents = [a for name in names[:200] if (a := await self.hub.store.get_agent(name)) is not None]
        return [self.colleague(a) for a in agents]

    # --- requests from an agent --------------------------------------------------------

    async def find(self, query: str, limit: int) -> Directory:
        q = query.strip().casefold()
        found = [
            a for a in await self.hub.store.list_agents()
            if not q or any(q in field.casefold() for field in (a.username, a.display_name, a.region, a.lob,
                                                                  *a.queues))
        ]
        return Directory(colleagues=[self.colleague(a) for a in found[: max(1, min(limit, 200))]])

    async def add_contact(self, owner: str, contact: str) -> None:
        if contact == owner:
            raise ProtocolError(ErrorCode.INVALID_VALUE, "you cannot add yourself")
        if await self.hub.store.get_agent(contact) is None:
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"no colleague {contact!r} in the directory")
        await self.hub.store.add_contact(owner, contact, self.hub.clock())
        await self.send_contacts(owner)
        await self.send_contacts(contact)

    async def remove_contact(self, owner: str, contact: str) -> None:
        if not await self.hub.store.remove_contact(owner, contact):
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"{contact!r} is not one of your contacts")
        await self.send_contacts(owner)
        await self.send_contacts(contact)

    async def open(self, owner: str, peer: str) -> Channel:
        await self._check_contact(owner, peer)
        store = self.hub.store
        channels = await self._open_channel(owner, peer)
        last = await store.im_last_seq(owner, peer)
        page = await store.im_history(owner, peer, max(0, last - PAGE), PAGE)
        return Channel(peer=peer, messages=[to_wire(m, owner) for m in page], more=False, open_channels=channels)

    async def close(self, owner: str, peer: str) -> None:
        await self.hub.store.close_channel(owner, peer)

    async def history(self, owner: str, peer: str, after_seq: int) -> Channel:
        await self._check_contact(owner, peer)
        page = await self.hub.store.im_history(owner, peer, max(0, after_seq), PAGE + 1)
        return Channel(peer=peer, messages=[to_wire(m, owner) for m in page[:PAGE]], more=len(page) > PAGE,
                       open_channels=await self.hub.store.open_channels(owner))

    async def send(self, owner: str, name: str, peer: str, client_msg_id: str, text: str,
                   context: BusinessContext | None) -> ImSent:
        """Store (opening the channel within the limit), then deliver if the peer is online."""
        await self._check_contact(owner, peer)
        store = self.hub.store
        await self._open_channel(owner, peer)
        if not text.strip() and context is None:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "the message is empty")
        record, new = await store.add_im(owner, name, peer, text, self.hub.clock(), client_msg_id, context)
        if new and (conn := self.hub.agents.get(peer)) is not None:
            conn.peer.send(to_wire(record, peer))
        return ImSent(peer=peer, client_msg_id=client_msg_id, seq=record.seq, at=record.at)

    async def ack(self, owner: str, peer: str, seq: int) -> None:
        await self.hub.store.im_ack(owner, peer, seq)

    async def _open_channel(self, owner: str, peer: str) -> list[str]:
        """The owner's open channels with ``peer`` among them (refused over the limit); stored if new."""
        before = await self.hub.store.open_channels(owner)
        channels = open_channel(before, peer)
        if peer not in before:
            await self.hub.store.open_channel(owner, peer, self.hub.clock())
        return channels

    async def _check_contact(self, owner: str, peer: str) -> None:
        if peer not in self.contacts.get(owner, set()) and peer not in await self.hub.store.contacts_of(owner):
            raise ProtocolError(ErrorCode.NOT_ALLOWED, f"add {peer!r} to your contacts first")
