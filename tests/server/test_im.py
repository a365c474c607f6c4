"""Agents messaging each other (seed 002) through a real server."""

from __future__ import annotations

from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    AddContact,
    AgentJoined,
    Channel,
    ChatAssigned,
    Contacts,
    ContactStatus,
    Directory,
    Error,
    FindColleagues,
    GetTranscript,
    ImAck,
    ImMessage,
    ImSend,
    ImSent,
    Login,
    LoginOk,
    Logout,
    OpenChannel,
    RemoveContact,
    SetPresence,
    Transcript,
)
from onduty.shared.types import BusinessContext, ContactPresence, Presence

from .conftest import agent_on_duty, request
from .harness import PASSWORD, STATUS, Harness, Wire

NO_CONTACT_SKIP = tuple(t for t in STATUS if t not in (Contacts, ContactStatus))


async def signed_in(h: Harness, username: str) -> Wire:
    wire = await h.connect("/ws/agent")
    await wire.send(Login(username=username, password=PASSWORD))
    await wire.expect(LoginOk)
    await wire.until(Contacts)  # the list as it is at sign-in
    return wire


async def test_directory_search_and_mutual_contacts(harness: Harness) -> None:
    ann = await signed_in(harness, "ann")
    await ann.send(FindColleagues(query="cic"))
    found = await ann.until(Directory)
    assert [c.username for c in found.colleagues] == ["carl"]
    assert found.colleagues[0].presence is ContactPresence.OFFLINE

    carl = await signed_in(harness, "carl")
    await ann.send(AddContact(username="carl"))
    mine = await ann.until(Contacts, lambda c: c.contacts)
    assert [(c.username, c.presence) for c in mine.contacts] == [("carl", ContactPresence.ONLINE)]
    theirs = await carl.until(Contacts, lambda c: c.contacts)
    assert [c.username for c in theirs.contacts] == ["ann"]  # adding B puts A on B's list

    await carl.send(RemoveContact(username="ann"))
    assert (await ann.until(Contacts, lambda c: not c.contacts)).contacts == []
    assert await harness.shell.store.contacts_of("ann") == []

    await ann.send(AddContact(username="ann"))
    assert (await ann.until(Error)).code is ErrorCode.INVALID_VALUE
    await ann.send(AddContact(username="ghost"))
    assert (await ann.until(Error)).code is ErrorCode.INVALID_VALUE


async def test_contacts_see_presence_change_live(harness: Harness) -> None:
    await harness.shell.store.add_contact("ann", "bob", 0.0)
    bob = await signed_in(harness, "bob")
    ann, _ = await agent_on_duty(harness, "ann")
    seen = await bob.until(ContactStatus, lambda s: s.presence is ContactPresence.ONLINE)
    assert seen.username == "ann"
    rita, _ = await request(harness)
    await rita.expect(AgentJoined)
    await ann.until(ChatAssigned)
    assert (await bob.until(ContactStatus)).presence is ContactPresence.BUSY  # in a chat
    await ann.send(Logout())
    assert (await bob.until(ContactStatus)).presence is ContactPresence.OFFLINE


async def test_messages_reach_an_offline_colleague_at_sign_in_once(harness: Harness) -> None:
    await harness.shell.store.add_contact("ann", "carl", 0.0)
    ann = await signed_in(harness, "ann")
    card = BusinessContext(kind="incident", id="4711", title="Printer on fire", fields={"priority": "very high"})
    await ann.send(ImSend(peer="carl", client_msg_id="m1", text="Can you look at this?", context=card))
    sent = await ann.until(ImSent)
    assert (sent.peer, sent.seq) == ("carl", 1)
    await ann.send(ImSend(peer="carl", client_msg_id="m1", text="Can you look at this?", context=card))
    assert (await ann.until(ImSent)).seq == 1  # a resend is not stored twice
    await ann.send(ImSend(peer="carl", client_msg_id="m2", text="Thanks!"))
    await ann.until(ImSent)

    carl = await signed_in(harness, "carl")
    got = [await carl.until(ImMessage) for _ in range(2)]
    assert [(m.peer, m.seq, m.sender, m.text) for m in got] == [
        ("ann", 1, "ann", "Can you look at this?"), ("ann", 2, "ann", "Thanks!")]
    assert got[0].context == card
    await carl.send(ImAck(peer="ann", seq=2))
    await carl.send(ImSend(peer="ann", client_msg_id="r1", text="On it"))
    await carl.until(ImSent)
    live = await ann.until(ImMessage)
    assert (live.peer, live.seq, live.text) == ("carl", 3, "On it")

    await carl.close()
    again = await signed_in(harness, "carl")
    await again.send(OpenChannel(peer="ann"))
    channel = await again.until(Channel)
    assert [m.seq for m in channel.messages] == [1, 2, 3]  # history kept
    assert not any(isinstance(m, ImMessage) for m in again.seen)  # acked: not delivered again


async def test_five_channels_then_a_clear_refusal(harness: Harness) -> None:
    store = harness.shell.store
    for name in ("p1", "p2", "p3", "p4", "p5", "p6"):
        from onduty.server.store import AgentRecord

        await store.add_agent(AgentRecord(name, name.upper(), "EMEA", "CIM", ("cim-emea",), "x"))
        await store.add_contact("ann", name, 0.0)
    ann = await signed_in(harness, "ann")
    for name in ("p1", "p2", "p3", "p4", "p5"):
        await ann.send(OpenChannel(peer=name))
        await ann.until(Channel)
    await ann.send(ImSend(peer="p6", client_msg_id="x", text="hi"))
    refused = await ann.until(Error)
    assert refused.code is ErrorCode.CHANNEL_LIMIT and "close one" in refused.detail
    await ann.send(OpenChannel(peer="p6"))
    assert (await ann.until(Error)).code is ErrorCode.CHANNEL_LIMIT
    await ann.send(ImSend(peer="bob", client_msg_id="y", text="not a contact"))
    assert (await ann.until(Error)).code is ErrorCode.NOT_ALLOWED


async def test_busy_and_away_count_as_busy(harness: Harness) -> None:
    await harness.shell.store.add_contact("ann", "bob", 0.0)
    bob = await signed_in(harness, "bob")
    ann = await signed_in(harness, "ann")
    assert (await bob.until(ContactStatus)).presence is ContactPresence.ONLINE
    await ann.send(SetPresence(presence=Presence.AWAY))
    assert (await bob.until(ContactStatus)).presence is ContactPresence.BUSY


async def test_a_chat_card_lets_the_colleague_read_that_transcript(harness: Harness) -> None:
    await harness.shell.store.add_contact("ann", "carl", 0.0)
    ann, _ = await agent_on_duty(harness, "ann")
    _rita, requested = await request(harness)
    await ann.until(ChatAssigned)
    carl = await signed_in(harness, "carl")  # cic: not a chat of his queues
    await carl.send(GetTranscript(chat_id=requested.chat_id))
    assert (await carl.until(Error)).code is ErrorCode.NOT_ALLOWED
    card = BusinessContext(kind="chat", id=requested.chat_id, title="Rita's question")
    await ann.send(ImSend(peer="carl", client_msg_id="c1", text="Look at this one", context=card))
    await carl.until(ImMessage)
    await carl.send(GetTranscript(chat_id=requested.chat_id))
    assert [m.seq for m in (await carl.until(Transcript)).messages] == [1]


async def test_a_chat_card_can_only_pass_on_what_the_sender_may_read(harness: Harness) -> None:
    await harness.shell.store.add_contact("carl", "bob", 0.0)
    ann, _ = await agent_on_duty(harness, "ann")
    _rita, requested = await request(harness)  # cim-emea: not carl's queue
    await ann.until(ChatAssigned)
    carl = await signed_in(harness, "carl")
    card = BusinessContext(kind="chat", id=requested.chat_id, title="not mine")
    await carl.send(ImSend(peer="bob", client_msg_id="x1", text="look", context=card))
    assert (await carl.until(Error)).code is ErrorCode.NOT_ALLOWED
    assert await harness.shell.store.im_history("carl", "bob", 0) == []
