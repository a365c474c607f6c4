"""Agents messaging each other (seed 002): directory, mutual contacts, presence, IM channels.

The rules are in :mod:`onduty.server.core.collab`; this shell keeps who is whose contact
(for the agents online), tells contacts when someone's presence changes, and stores every
instant message before confirming it (``im_sent``), delivering it now or at the peer's
next sign-in until the peer acknowledges it (``im_ack``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from onduty.server.core.collab import contact_presence, open_channel
from onduty.server.shell.ports import Delivery, Presence, Routing
from onduty.server.store import AgentRecord, ImRecord, Store
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

log = logging.getLogger(__name__)
PAGE = 100


def to_wire(m: ImRecord, viewer: str) -> ImMessage:
    return ImMessage(peer=m.peer_of(viewer), seq=m.seq, sender=m.sender, sender_name=m.sender_name, text=m.text,
                     at=m.at, client_msg_id=m.client_msg_id, context=m.context)


class Collaboration:
    def __init__(self, routing: Routing, delivery: Delivery, presence: Presence, store: Store,
                 clock: Callable[[], float]) -> None:
        self.routing = routing
        self.delivery = delivery
        self.agents = presence
        self.store = store
        self.clock = clock
        self.contacts: dict[str, set[str]] = {}
        """Contacts of the agents signed in."""
        self.watchers: dict[str, set[str]] = {}
        """Who must hear of an agent's presence: the signed-in agents that have it as a contact."""
        self._told: dict[str, ContactPresence] = {}

    # --- presence ----------------------------------------------------------------------

    def presence(self, username: str) -> ContactPresence:
        if not self.agents.is_connected(username):
            return ContactPresence.OFFLINE
        return contact_presence(self.routing.agent_status(username))

    def presence_changed(self, username: str) -> None:
        """Tell the online contacts of ``username`` if what they see of it changed."""
        now = self.presence(username)
        if self._told.get(username, ContactPresence.OFFLINE) is now:
            return
        self._told[username] = now
        self.delivery.to_agents(self.watchers.get(username, ()), ContactStatus(username=username, presence=now))
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
        await self.send_contacts(username)
        if self.agents.is_connected(username):
            for m in await self.store.im_unread(username):
                self.delivery.to_agent(username, to_wire(m, username))
        self.presence_changed(username)

    async def send_contacts(self, username: str) -> None:
        if not self.agents.is_connected(username):
            return
        names = await self.store.contacts_of(username)
        self._set_contacts(username, set(names))
        self.delivery.to_agent(username, Contacts(contacts=await self.colleagues(names)))

    async def colleagues(self, names: list[str]) -> list[Colleague]:
        """Directory entries with live presence for ``names`` (at most 200, the message's limit)."""
        agents = [a for name in names[:200] if (a := await self.store.get_agent(name)) is not None]
        return [self.colleague(a) for a in agents]

    # --- requests from an agent --------------------------------------------------------

    async def find(self, query: str, limit: int) -> Directory:
        q = query.strip().casefold()
        found = [
            a for a in await self.store.list_agents()
            if not q or any(q in field.casefold() for field in (a.username, a.display_name, a.region, a.lob,
                                                                  *a.queues))
        ]
        return Directory(colleagues=[self.colleague(a) for a in found[: max(1, min(limit, 200))]])

    async def add_contact(self, owner: str, contact: str) -> None:
        if contact == owner:
            raise ProtocolError(ErrorCode.INVALID_VALUE, "you cannot add yourself")
        if await self.store.get_agent(contact) is None:
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"no colleague {contact!r} in the directory")
        await self.store.add_contact(owner, contact, self.clock())
        await self.send_contacts(owner)
        await self.send_contacts(contact)

    async def remove_contact(self, owner: str, contact: str) -> None:
        if not await self.store.remove_contact(owner, contact):
            raise ProtocolError(ErrorCode.INVALID_VALUE, f"{contact!r} is not one of your contacts")
        await self.send_contacts(owner)
        await self.send_contacts(contact)

    async def open(self, owner: str, peer: str) -> Channel:
        await self._check_contact(owner, peer)
        store = self.store
        channels = await self._open_channel(owner, peer)
        last = await store.im_last_seq(owner, peer)
        page = await store.im_history(owner, peer, max(0, last - PAGE), PAGE)
        return Channel(peer=peer, messages=[to_wire(m, owner) for m in page], more=False, open_channels=channels)

    async def close(self, owner: str, peer: str) -> None:
        await self.store.close_channel(owner, peer)

    async def history(self, owner: str, peer: str, after_seq: int) -> Channel:
        await self._check_contact(owner, peer)
        page = await self.store.im_history(owner, peer, max(0, after_seq), PAGE + 1)
        return Channel(peer=peer, messages=[to_wire(m, owner) for m in page[:PAGE]], more=len(page) > PAGE,
                       open_channels=await self.store.open_channels(owner))

    async def send(self, owner: str, name: str, peer: str, client_msg_id: str, text: str,
                   context: BusinessContext | None) -> ImSent:
        """Store (opening the channel within the limit), then deliver if the peer is online."""
        await self._check_contact(owner, peer)
        store = self.store
        await self._open_channel(owner, peer)
        if not text.strip() and context is None:
            raise ProtocolError(ErrorCode.BAD_REQUEST, "the message is empty")
        record, new = await store.add_im(owner, name, peer, text, self.clock(), client_msg_id, context)
        if new:
            self.delivery.to_agent(peer, to_wire(record, peer))
        return ImSent(peer=peer, client_msg_id=client_msg_id, seq=record.seq, at=record.at)

    async def ack(self, owner: str, peer: str, seq: int) -> None:
        await self.store.im_ack(owner, peer, seq)

    async def _open_channel(self, owner: str, peer: str) -> list[str]:
        """The owner's open channels with ``peer`` among them (refused over the limit); stored if new."""
        before = await self.store.open_channels(owner)
        channels = open_channel(before, peer)
        if peer not in before:
            await self.store.open_channel(owner, peer, self.clock())
        return channels

    async def _check_contact(self, owner: str, peer: str) -> None:
        if peer not in self.contacts.get(owner, set()) and peer not in await self.store.contacts_of(owner):
            raise ProtocolError(ErrorCode.NOT_ALLOWED, f"add {peer!r} to your contacts first")
