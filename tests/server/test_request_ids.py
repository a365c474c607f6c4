"""Protocol 2: every reply and every error names the request it answers; protocol-1 clients still work."""

from __future__ import annotations

import msgpack

from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    AgentJoined,
    AgentStatus,
    ChatAssigned,
    ChatEnded,
    ChatMessage,
    EndChat,
    Error,
    Hello,
    Login,
    LoginOk,
    Send,
    Sent,
    SetDuty,
    Welcome,
)

from .conftest import agent_on_duty, request
from .harness import PASSWORD, Harness


async def test_a_refused_send_and_a_stored_send_are_told_apart_by_req(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    await rita.expect(AgentJoined)
    await ann.expect(ChatAssigned)
    await ann.expect(ChatMessage)

    await ann.send(Send(chat_id=requested.chat_id, client_msg_id="good", text="Hello", req="r1"))
    await ann.send(Send(chat_id="no-such-chat", client_msg_id="bad", text="Hello?", req="r2"))
    answers = {}
    while len(answers) < 2:
        message = await ann.next()
        if isinstance(message, Sent | Error):
            answers[message.req] = message
    good, bad = answers["r1"], answers["r2"]
    assert isinstance(good, Sent) and good.client_msg_id == "good" and good.seq == 2
    assert isinstance(bad, Error) and bad.code is ErrorCode.UNKNOWN_CHAT
    assert (bad.ref, bad.client_msg_id) == ("send", "bad")


async def test_set_duty_is_answered_by_exactly_one_agent_status(harness: Harness) -> None:
    ann = await harness.connect("/ws/agent")
    await ann.send(Login(username="ann", password=PASSWORD, req="in"))
    assert (await ann.expect(LoginOk)).req == "in"
    await ann.send(SetDuty(on_duty=True, req="d1"))
    await ann.send(SetDuty(on_duty=True, req="d2"))  # no change: still one answer
    await ann.send(EndChat(chat_id="nope", req="e1"))  # a later frame: everything before it has been sent
    error = await ann.until(Error)
    assert (error.req, error.code) == ("e1", ErrorCode.UNKNOWN_CHAT)
    statuses = [m for m in ann.seen if isinstance(m, AgentStatus) and m.req is not None]
    assert [s.req for s in statuses] == ["d1", "d2"] and all(s.on_duty for s in statuses)
    after_login = ann.seen[ann.seen.index(next(m for m in ann.seen if isinstance(m, LoginOk))):]
    assert sum(isinstance(m, AgentStatus) and m.on_duty for m in after_login) == 2


async def test_end_chat_is_answered_also_when_the_chat_had_ended(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, requested = await request(harness)
    await ann.expect(ChatAssigned)
    await rita.send(EndChat(chat_id=requested.chat_id, req="bye"))
    assert (await rita.until(ChatEnded)).req == "bye"
    await ann.until(ChatEnded)
    await ann.send(EndChat(chat_id=requested.chat_id, req="late"))
    late = await ann.until(ChatEnded)
    assert late.req == "late" and late.chat_id == requested.chat_id


async def test_a_protocol_1_client_gets_no_protocol_2_fields(harness: Harness) -> None:
    ann = await harness.connect("/ws/agent", hello=False)
    await ann.send(Hello(protocol=1, client="old tray app"))
    assert (await ann.expect(Welcome)).protocol == 1
    await ann.send(Login(username="ann", password=PASSWORD))
    await ann.expect(LoginOk)
    await ann.send(Send(chat_id="no-such-chat", client_msg_id="m1", text="hi"))
    raw = await ann.ws.receive_bytes(timeout=5)
    while msgpack.unpackb(raw)["t"] != "error":
        raw = await ann.ws.receive_bytes(timeout=5)
    error = msgpack.unpackb(raw)
    assert error["code"] == "unknown_chat" and error["ref"] == "send"
    assert "req" not in error and "client_msg_id" not in error


async def test_an_unknown_protocol_version_is_refused(harness: Harness) -> None:
    wire = await harness.connect("/ws/requestor", hello=False)
    await wire.send(Hello(protocol=4, req="h"))
    error = await wire.expect(Error)
    assert (error.code, error.req) == (ErrorCode.UNSUPPORTED_VERSION, "h")
    assert await wire.closed() == 1008
