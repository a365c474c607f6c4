"""What the web widget builds on: queue info, wait estimates, callbacks, chat again, rate limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from onduty.server.auth import sign_site_token
from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    AgentJoined,
    CallbackList,
    CallbackSaved,
    ChatAssigned,
    ChatEnded,
    ChatMessage,
    ChatRequested,
    CloseChat,
    EndChat,
    Error,
    GetQueueInfo,
    LeaveCallback,
    ListCallbacks,
    QueueInfo,
    QueueStatus,
    RequestChat,
    Send,
    Sent,
    Waiting,
)
from onduty.shared.types import BusinessContext, EndReason, RequestType

from .conftest import agent_on_duty, request
from .harness import Harness


async def test_queue_info_says_whether_anyone_is_on_duty(harness: Harness) -> None:
    rita = await harness.connect("/ws/requestor")
    await rita.send(GetQueueInfo(queue="cim-emea"))
    closed = await rita.expect(QueueInfo)
    assert (closed.open, closed.on_duty, closed.waiting, closed.max_wait_s) == (False, 0, 0, 120.0)
    assert closed.est_wait_s is None

    await agent_on_duty(harness, "ann")
    await rita.send(GetQueueInfo(queue="cim-emea"))
    opened = await rita.expect(QueueInfo)
    assert (opened.open, opened.on_duty) == (True, 1)
    assert opened.est_wait_s == 0.0  # someone is free right now

    await rita.send(GetQueueInfo(queue="no-such-queue"))
    assert (await rita.expect(Error)).code is ErrorCode.UNKNOWN_QUEUE


async def test_waiting_requestors_get_an_estimate_from_the_queues_pace(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    for _ in range(2):  # two chats 60 s apart give the queue a pace
        rita, requested = await request(harness)
        await ann.until(ChatAssigned)
        await rita.expect(AgentJoined)
        await harness.advance(60)
        await ann.send(CloseChat(chat_id=requested.chat_id))
        await ann.until(ChatEnded)
    _late, _ = await request(harness)  # the third goes to ann at once
    rosa, _ = await request(harness)
    first = await rosa.expect(Waiting)
    assert first.position == 1
    assert first.est_wait_s is not None and first.est_wait_s >= 60.0


async def test_a_callback_request_is_stored_counted_and_listed_for_the_queues_agents(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita = await harness.connect("/ws/requestor")
    basket = BusinessContext(kind="basket", id="B-7", title="Basket", fields={"items": "2"})
    await rita.send(LeaveCallback(queue="cim-emea", name="Rita", text="Please call about my order",
                                  phone="+49 6227 7-47474", request_type=RequestType.SALES_ORDER, context=[basket]))
    saved = await rita.expect(CallbackSaved)
    assert saved.queue == "cim-emea"
    status = await ann.until(QueueStatus, lambda s: s.callbacks == 1)
    assert status.queue == "cim-emea"

    await ann.send(ListCallbacks())
    listed = (await ann.until(CallbackList)).items
    assert [(c.callback_id, c.name, c.phone, c.email, c.request_type) for c in listed] == [
        (saved.callback_id, "Rita", "+49 6227 7-47474", None, RequestType.SALES_ORDER)
    ]
    assert listed[0].context == [basket]


@pytest.mark.parametrize(
    ("phone", "email", "code"),
    [(None, None, ErrorCode.BAD_REQUEST), (" ", "", ErrorCode.BAD_REQUEST), ("call me", None, ErrorCode.INVALID_VALUE),
     (None, "not-an-address", ErrorCode.INVALID_VALUE)],
)
async def test_a_callback_needs_a_real_phone_number_or_address(
    harness: Harness, phone: str | None, email: str | None, code: ErrorCode
) -> None:
    rita = await harness.connect("/ws/requestor")
    await rita.send(LeaveCallback(queue="cim-emea", name="Rita", text="x", phone=phone, email=email))
    assert (await rita.expect(Error)).code is code
    assert await harness.shell.store.list_callbacks(["cim-emea"]) == []


async def test_after_try_again_later_the_requestor_can_leave_an_email_for_that_chat(harness: Harness) -> None:
    rita, requested = await request(harness)
    await rita.expect(Waiting)
    await harness.advance(121)
    assert (await rita.expect(ChatEnded)).reason is EndReason.TIMEOUT
    await rita.send(LeaveCallback(queue="cim-emea", name="Rita", text="mail me", email="rita@example.com",
                                  chat_id=requested.chat_id))
    await rita.expect(CallbackSaved)
    stored = await harness.shell.store.list_callbacks(["cim-emea"])
    assert [(c.chat_id, c.email) for c in stored] == [(requested.chat_id, "rita@example.com")]


async def test_b2b_callbacks_need_a_valid_site_token_and_carry_the_verified_user(harness: Harness) -> None:
    rita = await harness.connect("/ws/requestor")
    await rita.send(LeaveCallback(queue="shop-b2b", name="anon", text="x", email="a@example.com"))
    assert (await rita.expect(Error)).code is ErrorCode.SITE_TOKEN_REQUIRED
    token = sign_site_token("site-secret", "shop", "BP-1", "Bea Buyer", harness.clock() + 600)
    await rita.send(LeaveCallback(queue="shop-b2b", name="anon", text="x", email="a@example.com", site_token=token))
    await rita.expect(CallbackSaved)
    [stored] = await harness.shell.store.list_callbacks(["shop-b2b"])
    assert (stored.name, stored.verified_id) == ("Bea Buyer", "BP-1")


async def test_chat_again_goes_to_the_same_agent_when_routable(harness: Harness) -> None:
    ann, _ = await agent_on_duty(harness, "ann")
    rita, first = await request(harness)
    await ann.expect(ChatAssigned)
    await rita.expect(AgentJoined)
    await rita.send(EndChat(chat_id=first.chat_id))
    await ann.until(ChatEnded)
    await ann.send(CloseChat(chat_id=first.chat_id))
    await harness.advance(5)
    bob, _ = await agent_on_duty(harness, "bob")  # bob has been free longer than ann... but rita prefers ann
    await harness.advance(5)

    again, _ = await request(harness, previous_chat_id=first.chat_id, previous_token=first.resume_token)
    assert (await again.expect(AgentJoined)).agent_name == "Ann Agent"
    other, _ = await request(harness)
    assert (await other.expect(AgentJoined)).agent_name == "Bob Agent"

    forged = await harness.connect("/ws/requestor")
    await forged.send(RequestChat(queue="cim-emea", name="x", previous_chat_id=first.chat_id,
                                  previous_token="guess"))
    assert (await forged.expect(Error)).code is ErrorCode.UNKNOWN_CHAT
    del bob


async def test_a_flooding_requestor_is_rate_limited_without_losing_what_passed(tmp_path: Path) -> None:
    h = Harness(tmp_path / "data", requestor_rate_per_s=0.001, requestor_rate_burst=4)
    await h.seed()
    await h.start()
    try:
        ann, _ = await agent_on_duty(h, "ann")
        rita = await h.connect("/ws/requestor")  # hello took one token
        await rita.send(RequestChat(queue="cim-emea", name="Rita"))  # two
        chat_id = (await rita.expect(ChatRequested)).chat_id
        await rita.expect(AgentJoined)
        for i in range(3):  # three and four pass, the fifth is refused
            await rita.send(Send(chat_id=chat_id, client_msg_id=f"m{i}", text=f"message {i}"))
        refused = await rita.until(Error)  # may come before the confirmations of the two that passed
        assert (refused.code, refused.ref) == (ErrorCode.RATE_LIMITED, "send")
        assert [(await rita.until(Sent)).seq for _ in range(2)] == [1, 2]
        await ann.expect(ChatAssigned)
        assert [(await ann.expect(ChatMessage)).text for _ in range(2)] == ["message 0", "message 1"]
    finally:
        await h.close()


async def test_a_request_with_a_broken_email_address_is_refused(harness: Harness) -> None:
    rita = await harness.connect("/ws/requestor")
    await rita.send(RequestChat(queue="cim-emea", name="Rita", email="rita@example.com\nBcc: all@example.com"))
    assert (await rita.expect(Error)).code is ErrorCode.INVALID_VALUE
    await rita.send(RequestChat(queue="cim-emea", name="Rita", email="  "))  # blank counts as none
    assert (await rita.expect(ChatRequested)).queue == "cim-emea"
