"""Protocol 2 matching: every frame the library writes carries a fresh ``req``; an answer resolves exactly
the request it names (``req``, or ``client_msg_id`` for kept sends), whatever the order it comes in."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from onduty.client.net import AgentClient, RequestFailed, RequestorClient, SessionEnded
from onduty.shared.errors import ErrorCode
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import (
    REPLIES,
    AgentStatus,
    ChatAssigned,
    ChatEnded,
    ChatRequested,
    EndChat,
    Error,
    GetTranscript,
    Hello,
    ImSend,
    ImSent,
    Login,
    Logout,
    Message,
    RequestChat,
    ResumeChat,
    Send,
    Sent,
    SetDuty,
    Transcript,
    Typing,
)
from onduty.shared.types import CallbackOutcome, ChatState, EndReason, Presence

from ..server.harness import PASSWORD, Harness
from .test_agent import STATUS, WAIT, agent, chat, login, msg, next_of
from .test_agent_collab import started
from .test_requestor import no_sleep


async def test_a_refused_send_answered_first_fails_itself_and_not_the_valid_one(fake_server: Any) -> None:
    """The defect: ``[error unknown_chat, sent]`` for ``[valid send, send to an unknown chat]``."""
    client, peer = await started(fake_server)
    valid = asyncio.create_task(client.send("c1", "hello"))
    bad = asyncio.create_task(client.send("no-such-chat", "hello?"))
    first = await peer.recv_type(Send)
    second = await peer.recv_type(Send)
    assert (first.chat_id, second.chat_id) == ("c1", "no-such-chat")
    assert first.req and second.req and first.req != second.req
    await peer.answer(second, Error(code=ErrorCode.UNKNOWN_CHAT, ref="send", client_msg_id=second.client_msg_id))
    await peer.answer(first, Sent(chat_id="c1", client_msg_id=first.client_msg_id, seq=4, at=1.0))
    async with asyncio.timeout(WAIT):
        with pytest.raises(RequestFailed) as refused:
            await bad
        assert await valid == 4
    assert refused.value.code is ErrorCode.UNKNOWN_CHAT
    assert client._ledger.pending == {}
    await client.close()


async def test_a_send_refused_after_a_reconnect_is_found_by_client_msg_id(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    kept = asyncio.create_task(client.send("c1", "are you there?"))
    other = asyncio.create_task(client.send("c1", "hello?"))
    written = [await peer.recv_type(Send) for _ in range(2)]
    await peer.close(code=1001)  # dropped before either `sent`

    again = await fake_server.accept()
    await login(again)
    resent = [await again.recv_type(Send) for _ in range(2)]
    assert [s.client_msg_id for s in resent] == [s.client_msg_id for s in written]
    assert {s.req for s in resent}.isdisjoint({s.req for s in written})
    # The chat ended meanwhile: the first is refused, the second (stored before the drop) confirmed.
    await again.answer(resent[1], Sent(chat_id="c1", client_msg_id=resent[1].client_msg_id, seq=9, at=1.0))
    await again.answer(resent[0], Error(code=ErrorCode.CHAT_ENDED, ref="send", client_msg_id=resent[0].client_msg_id))
    async with asyncio.timeout(WAIT):
        assert await other == 9
        with pytest.raises(RequestFailed) as refused:
            await kept
    assert refused.value.code is ErrorCode.CHAT_ENDED
    await client.close()


async def test_one_of_two_transcripts_fails_and_the_other_gets_its_own_page(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    readable = asyncio.create_task(client.get_transcript("c1"))
    forbidden = asyncio.create_task(client.get_transcript("other"))
    asked = {m.chat_id: m for m in [await peer.recv_type(GetTranscript) for _ in range(2)]}
    # The refusal of the second comes first, then the first's page; neither is matched by order.
    await peer.answer(asked["other"], Error(code=ErrorCode.NOT_ALLOWED, ref="get_transcript"))
    await peer.answer(asked["c1"], Transcript(chat=chat("c1"), messages=[msg(1)]))
    async with asyncio.timeout(WAIT):
        with pytest.raises(RequestFailed) as refused:
            await forbidden
        page = await readable
    assert refused.value.code is ErrorCode.NOT_ALLOWED
    assert page.chat.chat_id == "c1" and [m.seq for m in page.messages] == [1]
    await client.close()


async def test_replies_in_reverse_order_each_go_to_their_request(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    first = asyncio.create_task(client.get_transcript("c1"))
    second = asyncio.create_task(client.get_transcript("c2"))
    asked = [await peer.recv_type(GetTranscript) for _ in range(2)]
    # A frame of the same type without req (pushed, or answering someone else) resolves nothing.
    await peer.send(Transcript(chat=chat("c1"), messages=[msg(7)]))
    await peer.answer(asked[1], Transcript(chat=chat("c2"), messages=[msg(2, chat_id="c2")]))
    await peer.answer(asked[0], Transcript(chat=chat("c1"), messages=[msg(1)]))
    async with asyncio.timeout(WAIT):
        assert [m.seq for m in (await first).messages] == [1]
        assert [m.seq for m in (await second).messages] == [2]
    await client.close()


async def test_set_duty_takes_the_status_that_carries_its_req(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    duty = asyncio.create_task(client.set_duty(False))
    asked = await peer.recv_type(SetDuty)
    off = AgentStatus(on_duty=False, presence=Presence.AVAILABLE, routable=False, open_chats=[], capacity=1)
    await peer.send(off)  # a status pushed before the answer (same content, no req) is not the answer
    await peer.answer(asked, dataclasses.replace(off, open_chats=["c1"]))
    async with asyncio.timeout(WAIT):
        assert (await duty).open_chats == ["c1"]
    await client.close()


async def test_a_refused_im_fails_only_that_im(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    to_bob = asyncio.create_task(client.im_send("bob", "hi Bob"))
    to_f = asyncio.create_task(client.im_send("f", "hi F"))
    written = {m.peer: m for m in [await peer.recv_type(ImSend) for _ in range(2)]}
    await peer.answer(written["f"], Error(code=ErrorCode.CHANNEL_LIMIT, detail="close one", ref="im_send",
                                          client_msg_id=written["f"].client_msg_id))
    await peer.answer(written["bob"], ImSent(peer="bob", client_msg_id=written["bob"].client_msg_id, seq=1, at=1.0))
    async with asyncio.timeout(WAIT):
        with pytest.raises(RequestFailed) as refused:
            await to_f
        assert (await to_bob).seq == 1
    assert refused.value.code is ErrorCode.CHANNEL_LIMIT
    assert client._ims.pending == {}
    await client.close()


async def test_an_error_naming_no_pending_request_is_logged_and_an_event(
    fake_server: Any, caplog: pytest.LogCaptureFixture,
) -> None:
    client, peer = await started(fake_server)
    await client.typing("gone")
    typing = await peer.recv_type(Typing)
    assert typing.req
    with caplog.at_level(logging.WARNING, logger="onduty.client.net.base"):
        await peer.answer(typing, Error(code=ErrorCode.UNKNOWN_CHAT, ref="typing"))
        error = await next_of(client, Error)
    assert (error.req, error.code) == (typing.req, ErrorCode.UNKNOWN_CHAT)
    assert any("unknown_chat" in r.getMessage() and typing.req in r.getMessage() for r in caplog.records)
    await client.close()


async def test_a_welcome_for_protocol_1_ends_the_client(fake_server: Any) -> None:
    client = agent(fake_server.url)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    hello = await peer.handshake(protocol=1)
    assert hello.protocol == PROTOCOL_VERSION == 3
    await peer.wait_closed()  # the client closes at once instead of logging in
    async with asyncio.timeout(WAIT):
        with pytest.raises(SessionEnded) as ended:
            await starting
    assert ended.value.code is ErrorCode.UNSUPPORTED_VERSION
    await client.close()


# --- every request carries a fresh req ----------------------------------------------------------------


def refusal(request: Message) -> Error:
    """The error a protocol-2 server sends about ``request``."""
    cmid = getattr(request, "client_msg_id", None) if isinstance(request, Send | ImSend) else None
    return Error(code=ErrorCode.NOT_ALLOWED, ref=request.TYPE, req=request.req, client_msg_id=cmid)


async def refuse_everything(peer: Any, seen: list[Message]) -> None:
    """Play a server that refuses every request that has a reply (and records every frame)."""
    while True:
        request = await peer.recv()
        seen.append(request)
        if REPLIES.get(type(request)) is not None:
            await peer.send(refusal(request))
        elif isinstance(request, Logout):
            await peer.close()


async def test_every_agent_request_carries_a_fresh_req(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    await peer.send(msg(1))  # -> ack
    seen: list[Message] = []
    server = asyncio.create_task(refuse_everything(peer, seen))
    calls: list[Any] = [
        client.set_duty(True), client.set_presence(Presence.AWAY), client.send("c1", "x"), client.end_chat("c1"),
        client.close_chat("c1"), client.list_chats(), client.get_transcript("c1"), client.get_canned(),
        client.save_memo("c1", "memo"), client.list_callbacks(), client.claim_callback(1),
        client.finish_callback(1, CallbackOutcome.REACHED), client.get_partners(),
        client.discuss("c1", queue="cic"), client.answer_discussion("d1", True), client.discussion_say("d1", "x"),
        client.cancel_discussion("d1"), client.transfer("d1"), client.cold_transfer("c1", "cic"),
        client.find_colleagues("b"), client.add_contact("bob"), client.remove_contact("bob"),
        client.open_channel("bob"), client.im_history("bob"), client.im_send("bob", "x"),
    ]
    async with asyncio.timeout(WAIT):
        for call in calls:
            with pytest.raises(RequestFailed):
                await call
        await client.typing("c1")
        await client.close_channel("bob")
        await peer.send(msg(1, chat_id="c2"))  # -> ack
        await client.logout()
    server.cancel()
    kinds = {type(m).__name__ for m in seen}
    assert {"Ack", "Typing", "CloseChannel", "Logout", "ImSend", "Send", "DiscussionSay"} <= kinds
    assert len(seen) >= len(calls) + 4
    reqs = [m.req for m in seen]
    assert all(reqs), [m for m in seen if not m.req]
    assert len(set(reqs)) == len(reqs)
    assert any(isinstance(m, Logout) for m in seen)


async def test_every_requestor_request_carries_a_fresh_req(fake_server: Any) -> None:
    client = RequestorClient(fake_server.url, sleep=no_sleep, backoff=lambda n: 0.0, request_timeout=WAIT)
    async with asyncio.timeout(WAIT):
        starting = asyncio.create_task(client.start())
        peer = await fake_server.accept()
        hello = await peer.handshake()
        await starting
        requesting = asyncio.create_task(client.request_chat("q", "Rob", text="help"))
        request = await peer.recv_type(RequestChat)
        await peer.answer(request, ChatRequested(chat_id="c9", queue="q", resume_token="rt"))
        await requesting
        await peer.close(code=1001)

        again = await fake_server.accept()
        hello_again = await again.handshake()
        resume = await again.recv_type(ResumeChat)
        await again.answer(resume, ChatRequested(chat_id="c9", queue="q", resume_token="rt"))
        await client.wait_ready()
        sending = asyncio.create_task(client.send("c9", "x"))
        send = await again.recv_type(Send)
        await again.answer(send, Sent(chat_id="c9", client_msg_id=send.client_msg_id, seq=2, at=1.0))
        await sending
        ending = asyncio.create_task(client.end_chat("c9"))
        end = await again.recv_type(EndChat)
        await again.answer(end, ChatEnded(chat_id="c9", reason=EndReason.REQUESTOR_LEFT, state=ChatState.ENDED))
        await ending
    reqs = [m.req for m in (hello, request, hello_again, resume, send, end)]
    assert all(reqs) and len(set(reqs)) == len(reqs)
    assert isinstance(hello, Hello)
    await client.close()


async def test_login_carries_a_req(fake_server: Any) -> None:
    client = agent(fake_server.url)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    sign_in: Login = await login(peer)
    async with asyncio.timeout(WAIT):
        await starting
    assert sign_in.req
    assert client.status == STATUS
    await client.close()



# --- against the real server ----------------------------------------------------------------------------


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(tmp_path / "data")
    await h.seed()
    await h.start()
    yield h
    await h.close()


async def test_the_server_answers_a_refused_send_first_and_the_client_tells_them_apart(harness: Harness) -> None:
    ann = AgentClient(harness.url("/ws/agent"), "ann", password=PASSWORD, request_timeout=WAIT)
    rita = RequestorClient(harness.url("/ws/requestor"), request_timeout=WAIT)
    try:
        async with asyncio.timeout(WAIT):
            await ann.start()
            await ann.set_duty(True)
            await rita.start()
            chat_id = await rita.request_chat("cim-emea", "Rita Requestor")
            await next_of(ann, ChatAssigned)
            stored, refused = await asyncio.gather(
                ann.send_message(chat_id, "Hello, how can I help?"), ann.send("no-such-chat", "Hello?"),
                return_exceptions=True,
            )
        assert isinstance(stored, Sent) and stored.chat_id == chat_id
        assert isinstance(refused, RequestFailed) and refused.code is ErrorCode.UNKNOWN_CHAT
        assert ann._ledger.pending == {}
        # The order that broke "oldest pending" matching: the refusal came before the valid send's `sent`.
        answers = []
        while len(answers) < 2:
            event = await asyncio.wait_for(ann.next_event(), WAIT)
            if isinstance(event, Sent | Error):
                answers.append(type(event))
        assert answers == [Error, Sent]
    finally:
        await rita.close()
        await ann.close()
