"""AgentClient's handover and IM side against the fake server: resend-safe IMs, acks, dedupe, contacts, discussions."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from onduty.client.net import AgentClient, Disconnected, RequestFailed
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    AddContact,
    Channel,
    CloseChannel,
    Contacts,
    ContactStatus,
    Discuss,
    DiscussionMessage,
    DiscussionOffer,
    DiscussionSay,
    DiscussionUpdate,
    Error,
    GetImHistory,
    ImAck,
    ImMessage,
    ImSend,
    ImSent,
    OpenChannel,
    Transfer,
)
from onduty.shared.types import BusinessContext, Colleague, ContactPresence, DiscussionInfo, DiscussionState

from .test_agent import WAIT, agent, chat, login, next_of


def colleague(name: str, presence: ContactPresence = ContactPresence.ONLINE) -> Colleague:
    return Colleague(username=name, display_name=name.title(), region="EMEA", lob="CIM", queues=["q"],
                     presence=presence)


def im(seq: int, text: str = "", peer: str = "bob") -> ImMessage:
    return ImMessage(peer=peer, seq=seq, sender=peer, sender_name=peer.title(), text=text or f"im{seq}", at=1.0)


async def started(fake_server: Any) -> tuple[AgentClient, Any]:
    client = agent(fake_server.url)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    await login(peer)
    await asyncio.wait_for(starting, WAIT)
    return client, peer


async def test_unconfirmed_im_is_resent_with_the_same_client_msg_id(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    card = BusinessContext("chat", "c1", "Chat with Rob", {"requestor": "Rob"})
    sending = asyncio.create_task(client.im_send("bob", "see this", card))
    first = await peer.recv_type(ImSend)
    assert (first.peer, first.text, first.context) == ("bob", "see this", card)
    await peer.close(code=1001)  # dropped before `im_sent`
    await next_of(client, Disconnected)
    await client.close_channel("carl")  # while away: closed after the reconnect

    again = await fake_server.accept()
    await login(again)
    resent = await again.recv_type(ImSend)
    assert dataclasses.replace(resent, req=None) == dataclasses.replace(first, req=None)
    assert resent.req != first.req
    closed = await again.recv_type(CloseChannel)
    assert closed.peer == "carl" and closed.req
    await again.answer(resent, ImSent(peer="bob", client_msg_id=first.client_msg_id, seq=3, at=2.0))
    assert (await asyncio.wait_for(sending, WAIT)).seq == 3
    await client.close()


async def test_received_ims_are_acked_once_and_repeats_dropped(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    await peer.send(im(1), im(2))
    acks = [await peer.recv_type(ImAck) for _ in range(2)]
    assert [(a.peer, a.seq) for a in acks] == [("bob", 1), ("bob", 2)]
    assert all(a.req for a in acks) and acks[0].req != acks[1].req
    await peer.send(im(2), im(4, "new"))  # a repeat (delivered again at sign-in) and a new one
    seen = [(await next_of(client, ImMessage)).seq for _ in range(3)]
    assert seen == [1, 2, 4]
    await client.close()


async def test_channel_limit_and_history_paging(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    opening = asyncio.create_task(client.open_channel("f"))
    await peer.answer(await peer.recv_type(OpenChannel),
                      Error(code=ErrorCode.CHANNEL_LIMIT, detail="you have 5 conversations open; close one",
                            ref="open_channel"))
    with pytest.raises(RequestFailed) as info:
        await asyncio.wait_for(opening, WAIT)
    assert info.value.code is ErrorCode.CHANNEL_LIMIT and "close one" in info.value.detail

    sending = asyncio.create_task(client.im_send("f", "hi"))
    refused = await peer.recv_type(ImSend)
    await peer.answer(refused, Error(code=ErrorCode.CHANNEL_LIMIT, detail="close one", ref="im_send",
                                     client_msg_id=refused.client_msg_id))
    with pytest.raises(RequestFailed):
        await asyncio.wait_for(sending, WAIT)
    assert client._ims.pending == {}

    paging = asyncio.create_task(client.im_history_all("bob"))
    first = await peer.recv_type(GetImHistory)
    assert first.after_seq == 0
    await peer.answer(first, Channel(peer="bob", messages=[im(1), im(2)], more=True))
    second = await peer.recv_type(GetImHistory)
    assert second.after_seq == 2 and second.req != first.req
    await peer.answer(second, Channel(peer="bob", messages=[im(3)], more=False))
    assert [m.seq for m in await asyncio.wait_for(paging, WAIT)] == [1, 2, 3]
    await client.close()


async def test_contacts_and_presence_are_kept(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    adding = asyncio.create_task(client.add_contact("bob"))
    add = await peer.recv_type(AddContact)
    assert add.username == "bob"
    await peer.answer(add, Contacts(contacts=[colleague("bob")]))
    assert [c.username for c in await asyncio.wait_for(adding, WAIT)] == ["bob"]
    await peer.send(ContactStatus(username="bob", presence=ContactPresence.BUSY))
    await next_of(client, ContactStatus)
    assert client.contacts["bob"].presence is ContactPresence.BUSY
    await client.close()


async def test_discussion_requests(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    info = DiscussionInfo(discussion_id="d1", chat_id="c1", sender="ann", sender_name="Ann",
                          state=DiscussionState.OFFERED, receiver="carl", receiver_name="Carl", queue="cic")
    asking = asyncio.create_task(client.discuss("c1", queue="cic"))
    discuss = await peer.recv_type(Discuss)
    assert discuss == Discuss(chat_id="c1", queue="cic", req=discuss.req)
    await peer.answer(discuss, DiscussionUpdate(discussion=info, text="Waiting for Carl to accept."))
    assert (await asyncio.wait_for(asking, WAIT)).discussion.state is DiscussionState.OFFERED
    assert "d1" in client.discussions

    saying = asyncio.create_task(client.discussion_say("d1", "order 4711"))
    said = await peer.recv_type(DiscussionSay)
    await peer.answer(said, DiscussionMessage(discussion_id="d1", seq=1, sender="ann", sender_name="Ann",
                                              text="order 4711", at=1.0, client_msg_id=said.client_msg_id))
    assert (await asyncio.wait_for(saying, WAIT)).seq == 1

    moving = asyncio.create_task(client.transfer("d1"))
    await peer.answer(await peer.recv_type(Transfer),
                      Error(code=ErrorCode.NOT_ALLOWED, detail="the receiver has not accepted yet", ref="transfer"))
    with pytest.raises(RequestFailed):
        await asyncio.wait_for(moving, WAIT)

    gone = DiscussionInfo(discussion_id="d1", chat_id="c1", sender="ann", sender_name="Ann",
                          state=DiscussionState.DECLINED, receiver="carl")
    await peer.send(DiscussionUpdate(discussion=gone))
    await next_of(client, DiscussionUpdate)
    assert client.discussions == {}
    await peer.send(DiscussionOffer(discussion=info, chat=chat()))
    await next_of(client, DiscussionOffer)
    assert client.discussions["d1"] == info
    with pytest.raises(ValueError, match="exactly one"):
        await client.discuss("c1")
    await client.close()


async def test_close_channel_when_online_is_written_at_once(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    await client.close_channel("bob")
    assert (await peer.recv_type(CloseChannel)).peer == "bob"
    await client.close()
