"""The pure parts: ledger verdicts and cursors, request ids, backoff growth and jitter, endpoint URLs."""

from __future__ import annotations

import random

from onduty.client.net.backoff import ExponentialBackoff
from onduty.client.net.base import endpoint_url
from onduty.client.net.delivery import ChatLedger, Verdict
from onduty.client.net.pending import PendingRequests
from onduty.shared.messages import ChatMessage, GetTranscript, Sent, Transcript
from onduty.shared.types import ChatInfo, ChatState, RequestorInfo, RequestType, Role


def message(seq: int, cmid: str | None = None, chat_id: str = "c") -> ChatMessage:
    return ChatMessage(chat_id=chat_id, seq=seq, sender=Role.AGENT, sender_name="A", text="t", at=0.0,
                       client_msg_id=cmid)


async def test_ledger_verdicts_and_cursors() -> None:
    ledger = ChatLedger()
    assert ledger.accept(message(1)) is Verdict.NEW
    assert ledger.accept(message(1)) is Verdict.DUPLICATE
    entry = ledger.add_send("c", "hi")
    assert ledger.unwritten(1) == [entry]
    entry.session = 1
    assert ledger.unwritten(1) == []
    assert ledger.unwritten(2) == [entry]
    assert ledger.accept(message(2, entry.message.client_msg_id)) is Verdict.OWN
    ledger.confirm(Sent(chat_id="c", client_msg_id="other", seq=3, at=0.0))
    assert ledger.accept(message(3)) is Verdict.OWN  # recognised by the seq `sent` gave it
    assert ledger.accept(message(5)) is Verdict.NEW  # gaps are normal (own messages are not echoed)
    assert ledger.cursors_for(["c", "new"]) == {"c": 5, "new": 0}
    ledger.forget("c")
    assert ledger.cursors_for(["c"]) == {"c": 0}
    later = ledger.add_send("c", "second")
    assert ledger.refuse(later.message.client_msg_id) is later  # by client_msg_id, not the oldest
    assert ledger.refuse(later.message.client_msg_id) is None
    assert list(ledger.pending.values()) == [entry]


def test_exponential_backoff_caps_and_jitters() -> None:
    plain = ExponentialBackoff(base=1.0, factor=2.0, cap=10.0, jitter=0.0)
    assert [plain(n) for n in range(1, 7)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    jittered = ExponentialBackoff(base=1.0, factor=2.0, cap=10.0, jitter=0.5, rng=random.Random(7))
    for n in range(1, 20):
        raw = min(10.0, 2.0 ** (n - 1))
        assert raw * 0.5 <= jittered(n) <= raw


def test_endpoint_url() -> None:
    assert endpoint_url("ws://h:1", "/ws/agent") == "ws://h:1/ws/agent"
    assert endpoint_url("ws://h:1/", "/ws/agent") == "ws://h:1/ws/agent"
    assert endpoint_url("wss://h/custom/ws", "/ws/agent") == "wss://h/custom/ws"


async def test_pending_requests_resolve_only_the_request_named_by_req() -> None:
    requests = PendingRequests()
    first = requests.stamp(GetTranscript(chat_id="a"))
    second = requests.stamp(GetTranscript(chat_id="b"))
    assert first.req and second.req and first.req != second.req
    one = requests.expect(first, Transcript)
    two = requests.expect(second, Transcript)
    assert not requests.refuse(None, RuntimeError("names nothing"))
    assert not requests.answer(Transcript(chat=_info("b"), messages=[]))  # no req: answers nothing
    assert requests.refuse(second.req, RuntimeError("not yours"))
    assert two.future.done() and not one.future.done()
    assert str(two.future.exception()) == "not yours"
    reply = Transcript(chat=_info("a"), messages=[], req=first.req)
    assert requests.answer(reply)
    assert one.future.result() is reply
    assert not requests.answer(reply)  # answered once


def _info(chat_id: str) -> ChatInfo:
    return ChatInfo(chat_id=chat_id, queue="q", state=ChatState.ACTIVE, requestor=RequestorInfo(name="Rob"),
                    request_type=RequestType.OTHER, context=[], created_at=1.0)
