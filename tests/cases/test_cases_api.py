"""The cases API over loopback: a chat becomes a case, Save vs Save Reply, the customer answers on the case page."""

from __future__ import annotations

import re

import pytest

from onduty.client.net.cases.parse import parse_case
from onduty.server.core.sla import ClockKind
from onduty.server.shell.sla_watch import SLA_WATCH
from onduty.shared.types import BusinessContext, ChatRating

from ..server.harness import Harness
from .conftest import START, Api, chat_with_memo, login, outbox

LINK = re.compile(r"https://chat\.example\.com(/case/[A-Za-z0-9_-]+)")
ORDER = BusinessContext(kind="order", id="4711", title="Order 4711", fields={"status": "stuck"})


async def test_a_chat_becomes_a_case_with_its_transcript_memos_and_context(harness: Harness) -> None:
    ann, api = await login(harness, "ann")
    chat_id = await chat_with_memo(harness, ann, context=[ORDER])
    status, case = await api.post("/api/cases", {"chat_id": chat_id, "priority": "high"})
    assert status == 201, case
    assert (case["number"], case["state"], case["priority"], case["queue"]) == (1, "new", "high", "cim-emea")
    assert case["title"] == "Hello, I need a processor"  # the requestor's first message
    assert case["requestor"] == {"name": "Rita Requestor", "email": "rita@example.com", "phone": None,
                                 "verified_id": None}
    [chat] = case["chats"]
    assert [(m["sender"], m["text"]) for m in chat["messages"]] == [
        ("requestor", "Hello, I need a processor"), ("agent", "Hello, I am Ann from CIM EMEA")]
    assert [m["text"] for m in chat["memos"]] == ["Requestor: Rita\nAction Taken: triggered QM"]
    assert chat["context"] == [{"kind": "order", "id": "4711", "title": "Order 4711", "fields": {"status": "stuck"}}]
    assert [(h["what"], h["actor"]) for h in case["history"]] == [("created", "ann"), ("chat_linked", "ann")]
    assert case["sla"]["irt"]["status"] == "running" and case["sla"]["irt"]["remaining_s"] == 4 * 3600

    status, again = await api.post("/api/cases", {"chat_id": chat_id})
    assert (status, again["code"], again["case"]) == (409, "already_linked", 1)
    status, same = await api.get(f"/api/cases/by-chat/{chat_id}")
    assert (status, same["number"]) == (200, 1)

    _bob_wire, bob = await login(harness, "bob")  # same queue: may work on it
    status, seen = await bob.get("/api/cases/1")
    assert status == 200 and seen["chats"][0]["chat_id"] == chat_id
    _carl_wire, carl = await login(harness, "carl")  # another queue
    status, refused = await carl.get("/api/cases/1")
    assert (status, refused["code"]) == (403, "not_allowed")


async def test_save_keeps_the_state_save_reply_pauses_ort_and_the_customer_answer_resumes_it(
    harness: Harness,
) -> None:
    ann, api = await login(harness, "ann")
    chat_id = await chat_with_memo(harness, ann)
    _, case = await api.post("/api/cases", {"chat_id": chat_id})
    number = case["number"]
    status, case = await api.patch(f"/api/cases/{number}", {"state": "in_process", "owner": "ann"})
    assert (status, case["state"], case["owner"]) == (200, "in_process", "ann")

    await harness.advance(600)
    status, case = await api.post(f"/api/cases/{number}/external-infos",
                                  {"mode": "save", "text": "We are on it <b>now</b>."})
    assert status == 201, case
    assert case["state"] == "in_process"  # Save: state unchanged
    assert case["first_response_at"] == START + 600
    assert case["sla"]["irt"]["status"] == "stopped" and case["sla"]["irt"]["elapsed_s"] == 600
    assert case["sla"]["ort"]["status"] == "running"
    assert case["external_infos"][0]["mail"] == "outbox"

    await harness.advance(600)
    status, case = await api.post(f"/api/cases/{number}/external-infos",
                                  {"mode": "save_reply", "text": "Which order number?"})
    assert (status, case["state"]) == (201, "awaiting_info")
    assert case["sla"]["ort"] == {**case["sla"]["ort"], "status": "paused", "elapsed_s": 1200, "due_at": None}
    assert case["sla"]["irt"]["elapsed_s"] == 600  # the first response stopped IRT for good

    await harness.advance(3600)
    _, case = await api.get(f"/api/cases/{number}")
    assert case["sla"]["ort"]["elapsed_s"] == 1200  # paused while awaiting info

    mails = outbox(harness)
    assert len(mails) == 2
    assert mails[1]["To"] == "rita@example.com"
    assert mails[1]["Subject"].startswith(f"Case {number}: ") and "answer is needed" in mails[1]["Subject"]
    body = mails[1].get_content()
    assert "Which order number?" in body
    match = LINK.search(body)
    assert match is not None
    page_path = match[1]

    assert harness.session is not None
    async with harness.session.get(harness.url(page_path)) as resp:
        assert resp.status == 200
        html = await resp.text()
        csp = resp.headers["Content-Security-Policy"]
        assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'none'" in csp and "script-src" not in csp and "<script" not in html
    assert "We are on it &lt;b&gt;now&lt;/b&gt;." in html and "Which order number?" in html
    assert "Waiting for your answer" in html

    async with harness.session.post(harness.url(page_path), data={"text": "Order 4711 <i>please</i>"},
                                    allow_redirects=False) as resp:
        assert resp.status == 303
        assert resp.headers["Location"] == f"{page_path}?sent=1"
    async with harness.session.get(harness.url(f"{page_path}?sent=1")) as resp:
        html = await resp.text()
    assert "your answer was added" in html and "Order 4711 &lt;i&gt;please&lt;/i&gt;" in html

    await harness.advance(300)
    _, case = await api.get(f"/api/cases/{number}")
    assert case["state"] == "in_process"
    assert case["sla"]["ort"]["status"] == "running"
    assert case["sla"]["ort"]["elapsed_s"] == 1500  # resumed with what it had used
    answer = case["external_infos"][-1]
    assert (answer["kind"], answer["author"], answer["text"]) == ("answer", "customer", "Order 4711 <i>please</i>")
    assert [(h["what"], h["actor"], h["new"]) for h in case["history"][-2:]] == [
        ("customer_answer", "customer", ""), ("state", "customer", "in_process")]


async def test_customer_page_refusals(harness: Harness) -> None:
    ann, api = await login(harness, "ann")
    chat_id = await chat_with_memo(harness, ann)
    _, case = await api.post("/api/cases", {"chat_id": chat_id})
    status, link = await api.post(f"/api/cases/{case['number']}/customer-link")
    assert status == 201 and link["url"].startswith("https://chat.example.com/case/")
    path = link["url"].removeprefix("https://chat.example.com")
    assert harness.session is not None
    async with harness.session.get(harness.url("/case/" + "x" * 43)) as resp:
        assert resp.status == 404 and "not valid" in await resp.text()
    async with harness.session.post(harness.url(path), data={"text": "   "}) as resp:
        assert resp.status == 400 and "1 to 8000" in await resp.text()
    await api.patch(f"/api/cases/{case['number']}", {"state": "closed"})
    async with harness.session.post(harness.url(path), data={"text": "hello?"}) as resp:
        assert resp.status == 409 and "closed" in await resp.text()


async def test_interactions_memos_and_history(harness: Harness) -> None:
    ann, api = await login(harness, "ann")
    chat_id = await chat_with_memo(harness, ann)
    _, case = await api.post("/api/cases", {"chat_id": chat_id})
    number = case["number"]
    call = {"type": "phone", "direction": "outbound", "contact": "+49 30 1234", "summary": "Explained the fix",
            "started_at": START + 60, "ended_at": START + 360}
    status, case = await api.post(f"/api/cases/{number}/interactions", call)
    assert status == 201
    [record] = case["interactions"]
    assert {k: record[k] for k in call} == call and record["author"] == "ann"
    assert case["state"] == "new"  # documenting a call is no External Info
    assert case["sla"]["irt"]["status"] == "running"
    status, case = await api.post(f"/api/cases/{number}/memos", {"text": "customer prefers calls"})
    assert status == 201 and case["memos"][0]["text"] == "customer prefers calls"
    status, case = await api.patch(f"/api/cases/{number}", {"priority": "very_high", "owner": "bob"})
    assert [(h["what"], h["old"], h["new"]) for h in case["history"][-2:]] == [
        ("priority", "medium", "very_high"), ("owner", "", "bob")]


async def test_list_mine_and_queues_with_state_and_due_filters(harness: Harness) -> None:
    ann, api = await login(harness, "ann")
    first = await chat_with_memo(harness, ann)
    _, one = await api.post("/api/cases", {"chat_id": first, "priority": "very_high"})
    _, two = await api.post("/api/cases", {"queue": "cim-emea", "title": "Phone call", "priority": "low",
                                           "requestor": {"name": "Paul", "phone": "+1 555 0100"}})
    await api.patch(f"/api/cases/{two['number']}", {"owner": "ann", "state": "in_process"})

    _, mine = await api.get("/api/cases?scope=mine")
    assert [c["number"] for c in mine["cases"]] == [two["number"]]
    _, queues = await api.get("/api/cases?sort=due")
    assert [c["number"] for c in queues["cases"]] == [one["number"], two["number"]]  # 1 h before 3 days
    _, first_due = await api.get("/api/cases?sort=due&limit=1")  # sorted before the cut, not the newest one
    assert [c["number"] for c in first_due["cases"]] == [one["number"]]
    _, soon = await api.get(f"/api/cases?due_before={START + 2 * 3600}")
    assert [c["number"] for c in soon["cases"]] == [one["number"]]
    _, in_process = await api.get("/api/cases?state=in_process")
    assert [c["number"] for c in in_process["cases"]] == [two["number"]]

    await harness.advance(50 * 60)  # 10 minutes before the Very High IRT target
    _, warned = await api.get("/api/cases?sla=warning")
    assert [c["number"] for c in warned["cases"]] == [one["number"]]
    assert warned["cases"][0]["sla"]["irt"]["warning"] and warned["cases"][0]["sla"]["irt"]["remaining_s"] == 600
    watch = harness.app[SLA_WATCH] if harness.app is not None else None
    assert watch is not None
    assert await watch.sweep() == [(one["number"], ClockKind.IRT, "warning")]
    assert await watch.sweep() == []  # recorded once

    await harness.advance(11 * 60)
    _, breached = await api.get("/api/cases?sla=breached")
    assert [c["number"] for c in breached["cases"]] == [one["number"]]
    assert breached["cases"][0]["sla"]["irt"]["breached_at"] == START + 3600
    assert (one["number"], ClockKind.IRT, "breach") in await watch.sweep()
    _, case = await api.get(f"/api/cases/{one['number']}")
    assert [(e["clock"], e["kind"], e["at"]) for e in case["sla_events"] if e["clock"] == "irt"] == [
        ("irt", "warning", START + 50 * 60), ("irt", "breach", START + 3600)]


async def test_auth_refusals(harness: Harness) -> None:
    for token in (None, "not-a-session"):
        status, error = await Api(harness, token).get("/api/cases")
        assert (status, error["code"]) == (401, "not_authenticated")
    _w, api = await login(harness, "ann")
    status, error = await api.get("/api/cases/999")
    assert (status, error["code"]) == (404, "unknown_case")
    status, error = await api.get("/api/cases?queue=cic")
    assert (status, error["code"]) == (403, "not_allowed")
    status, error = await api.post("/api/cases", {"queue": "cic", "title": "x", "requestor": {"name": "y"}})
    assert (status, error["code"]) == (403, "not_allowed")
    await harness.advance(harness.config.token_ttl_s + 1)
    status, error = await api.get("/api/cases")
    assert (status, error["code"]) == (401, "not_authenticated")


@pytest.mark.parametrize(("method", "path", "body", "status", "code"), [
    ("POST", "/api/cases", b"not json", 400, "bad_request"),
    ("POST", "/api/cases", b"[1, 2]", 400, "bad_request"),
    ("POST", "/api/cases", {"chat_id": "nope"}, 404, "unknown_chat"),
    ("POST", "/api/cases", {"chat_id": 5}, 400, "invalid_value"),
    ("POST", "/api/cases", {"queue": "cim-emea", "title": "t", "requestor": {"name": "n"}, "extra": 1}, 400,
     "bad_request"),
    ("POST", "/api/cases", {"queue": "cim-emea", "title": "", "requestor": {"name": "n"}}, 400, "invalid_value"),
    ("POST", "/api/cases", {"queue": "cim-emea", "title": "t", "requestor": "n"}, 400, "bad_request"),
    ("POST", "/api/cases", {"queue": "cim-emea", "title": "t", "priority": "urgent", "requestor": {"name": "n"}},
     400, "invalid_value"),
    ("PATCH", "/api/cases/1", {}, 400, "bad_request"),
    ("PATCH", "/api/cases/1", {"state": "new"}, 409, "invalid_transition"),
    ("PATCH", "/api/cases/1", {"state": "reopened"}, 400, "invalid_value"),
    ("PATCH", "/api/cases/1", {"owner": "carl"}, 400, "invalid_value"),
    ("PATCH", "/api/cases/1", {"owner": 7}, 400, "invalid_value"),
    ("POST", "/api/cases/1/external-infos", {"text": "hi", "mode": "send"}, 400, "invalid_value"),
    ("POST", "/api/cases/1/external-infos", {"mode": "save"}, 400, "bad_request"),
    ("POST", "/api/cases/1/external-infos", {"mode": "save", "text": "x" * 8001}, 400, "invalid_value"),
    ("POST", "/api/cases/1/interactions", {"type": "fax", "direction": "inbound", "contact": "c", "summary": "s",
                                           "started_at": 1, "ended_at": 2}, 400, "invalid_value"),
    ("POST", "/api/cases/1/interactions", {"type": "phone", "direction": "inbound", "contact": "c", "summary": "s",
                                           "started_at": 9, "ended_at": 2}, 400, "invalid_value"),
    ("POST", "/api/cases/1/interactions", {"type": "phone", "direction": "inbound", "contact": "c", "summary": "s",
                                           "started_at": True, "ended_at": 2}, 400, "invalid_value"),
    ("POST", "/api/cases/1/chats", {"chat_id": "nope"}, 404, "unknown_chat"),
    ("GET", "/api/cases?state=bogus", None, 400, "invalid_value"),
    ("GET", "/api/cases?due_before=soon", None, 400, "invalid_value"),
    ("GET", "/api/cases?sla=maybe", None, 400, "invalid_value"),
    ("GET", "/api/cases?scope=everyone", None, 400, "invalid_value"),
])
async def test_bad_input_gets_a_typed_json_error(
    harness: Harness, method: str, path: str, body: object, status: int, code: str,
) -> None:
    _w, api = await login(harness, "ann")
    created, case = await api.post("/api/cases", {"queue": "cim-emea", "title": "A case",
                                                  "requestor": {"name": "Paul"}})
    assert created == 201 and case["number"] == 1
    await api.patch("/api/cases/1", {"state": "in_process"})
    raw = body if isinstance(body, bytes) else None
    got_status, error = await api.call(method, path, None if raw else body, raw=raw,
                                       headers={"Content-Type": "application/json"} if raw else None)
    assert (got_status, error["code"]) == (status, code), error
    assert error["detail"]


async def test_closed_case_refuses_external_info(harness: Harness) -> None:
    _w, api = await login(harness, "ann")
    _, case = await api.post("/api/cases", {"queue": "cim-emea", "title": "A case", "requestor": {"name": "Paul"}})
    _, case = await api.post(f"/api/cases/{case['number']}/external-infos", {"mode": "save", "text": "hi"})
    assert case["external_infos"][0]["mail"] == "no_address"
    await api.patch(f"/api/cases/{case['number']}", {"state": "closed"})
    status, error = await api.post(f"/api/cases/{case['number']}/external-infos", {"mode": "save", "text": "hi"})
    assert (status, error["code"]) == (409, "invalid_transition")
    assert len(case["external_infos"]) == 1


async def test_a_linked_chat_carries_the_requestors_rating(harness: Harness) -> None:
    ann, api = await login(harness, "ann")
    chat_id = await chat_with_memo(harness, ann)
    _, case = await api.post("/api/cases", {"chat_id": chat_id})
    assert case["chats"][0]["rating"] is None
    await harness.shell.store.rate_chat(chat_id, ChatRating(rating=2, at=START, comment="took long"))
    _, case = await api.get(f"/api/cases/{case['number']}")
    assert case["chats"][0]["rating"] == {"rating": 2, "comment": "took long", "at": START}
    assert parse_case(case).chats[0].rating == ChatRating(rating=2, at=START, comment="took long")  # the app's reading
