"""RequestorClient against the fake server: request, resume with after_seq, dedupe, resend, chat gone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from onduty.client.net import GaveUp, RequestFailed, RequestorClient, SessionEnded
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    Ack,
    AgentJoined,
    ChatEnded,
    ChatMessage,
    ChatRequested,
    EndChat,
    Error,
    RequestChat,
    ResumeChat,
    Send,
    Sent,
)
from onduty.shared.types import EndReason, Role

WAIT = 5.0


async def no_sleep(delay: float) -> None:
    return None


def reply(seq: int, text: str = "") -> ChatMessage:
    return ChatMessage(chat_id="c9", seq=seq, sender=Role.AGENT, sender_name="Ann", text=text or f"a{seq}", at=1.0)


async def started(fake_server: Any) -> tuple[RequestorClient, Any]:
    client = RequestorClient(fake_server.url, origin="https://shop.example", sleep=no_sleep,
                             backoff=lambda n: 0.0, request_timeout=WAIT)
    starting = asyncio.create_task(client.start())
    peer = await fake_server.accept()
    await peer.handshake()
    await asyncio.wait_for(starting, WAIT)
    return client, peer


async def test_request_resume_and_dedupe(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    assert peer.path == "/ws/requestor"
    assert peer.headers["Origin"] == "https://shop.example"

    requesting = asyncio.create_task(client.request_chat("q", "Rob", text="help"))
    request = await peer.recv_type(RequestChat)
    assert request.text == "help"
    assert request.client_msg_id
    await peer.answer(request, ChatRequested(chat_id="c9", queue="q", resume_token="rt"))
    await peer.send(
        Sent(chat_id="c9", client_msg_id=request.client_msg_id, seq=1, at=1.0),
        AgentJoined(chat_id="c9", agent_name="Ann"),
        reply(2),
    )
    assert await asyncio.wait_for(requesting, WAIT) == "c9"
    assert (await peer.recv_type(Ack)).seq == 2
    await peer.close(code=1001)

    again = await fake_server.accept()
    await again.handshake()
    resume = await again.recv_type(ResumeChat)
    assert resume == ResumeChat(chat_id="c9", resume_token="rt", after_seq=2, req=resume.req)
    own = ChatMessage(chat_id="c9", seq=1, sender=Role.REQUESTOR, sender_name="Rob", text="help", at=1.0,
                      client_msg_id=request.client_msg_id)
    await again.answer(resume, ChatRequested(chat_id="c9", queue="q", resume_token="rt"))
    await again.send(AgentJoined(chat_id="c9", agent_name="Ann"), own, reply(2), reply(3))
    await asyncio.wait_for(client.wait_ready(), WAIT)

    shown: list[int] = []

    async def collect() -> None:
        while len(shown) < 2:
            event = await client.next_event()
            if isinstance(event, ChatMessage):
                shown.append(event.seq)

    await asyncio.wait_for(collect(), WAIT)
    assert shown == [2, 3]  # seq 1 is our own text, seq 2 came twice

    ending = asyncio.create_task(client.end_chat("c9"))
    end = await again.recv_type(EndChat)
    assert end.chat_id == "c9"
    await again.answer(end, ChatEnded(chat_id="c9", reason=EndReason.REQUESTOR_LEFT))
    assert (await asyncio.wait_for(ending, WAIT)).reason is EndReason.REQUESTOR_LEFT
    assert client.chat_id is None
    await client.close()


async def test_send_survives_a_drop_while_waiting(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    requesting = asyncio.create_task(client.request_chat("q", "Rob"))
    await peer.answer(await peer.recv_type(RequestChat), ChatRequested(chat_id="c9", queue="q", resume_token="rt"))
    await asyncio.wait_for(requesting, WAIT)
    sending = asyncio.create_task(client.send("c9", "still there?"))
    first = await peer.recv_type(Send)
    await peer.close(code=1001)

    again = await fake_server.accept()
    await again.handshake()
    resume = await again.recv_type(ResumeChat)
    assert resume.after_seq == 0
    await again.answer(resume, ChatRequested(chat_id="c9", queue="q", resume_token="rt"))
    resent = await again.recv_type(Send)
    assert (resent.client_msg_id, resent.text) == (first.client_msg_id, first.text)
    await again.answer(resent, Sent(chat_id="c9", client_msg_id=first.client_msg_id, seq=1, at=2.0))
    assert await asyncio.wait_for(sending, WAIT) == 1
    await client.close()


async def test_request_error_and_lost_chat(fake_server: Any) -> None:
    client, peer = await started(fake_server)
    requesting = asyncio.create_task(client.request_chat("nope", "Rob"))
    await peer.answer(await peer.recv_type(RequestChat), Error(code=ErrorCode.UNKNOWN_QUEUE, ref="request_chat"))
    with pytest.raises(RequestFailed):
        await asyncio.wait_for(requesting, WAIT)

    requesting = asyncio.create_task(client.request_chat("q", "Rob"))
    await peer.answer(await peer.recv_type(RequestChat), ChatRequested(chat_id="c9", queue="q", resume_token="rt"))
    await asyncio.wait_for(requesting, WAIT)
    await peer.close(code=1001)

    again = await fake_server.accept()
    await again.handshake()
    await again.answer(await again.recv_type(ResumeChat), Error(code=ErrorCode.UNKNOWN_CHAT, ref="resume_chat"))
    await again.wait_closed()  # the client closes its end and stops

    async def gave_up() -> GaveUp:
        while True:
            event = await client.next_event()
            if isinstance(event, GaveUp):
                return event

    assert (await asyncio.wait_for(gave_up(), WAIT)).code is ErrorCode.UNKNOWN_CHAT
    with pytest.raises(SessionEnded):
        await client.request_chat("q", "Rob")
    await client.close()
