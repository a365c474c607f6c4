"""No input from outside gets a 500 (issue 14, point 5): the cases API and the customer page against
text that is not valid Unicode, non-UTF-8 form bodies, bad path ids, unknown routes, and lists whose
computed filters would load every case."""

from __future__ import annotations

from typing import Any

import pytest

from onduty.server.shell import cases_api
from onduty.server.store.sqlite_cases import CaseStoreMixin

from ..server.harness import Harness
from .conftest import FORM, chat_with_memo, customer_path, json_error, login, one_case, raw_call

LONE = "\ud800"


# ---- one test per defect found by the black-box client ------------------------------------------------


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/cases/1/external-infos", {"text": f"hi {LONE}", "mode": "save"}),
    ("POST", "/api/cases", {"queue": "cim-emea", "title": f"t{LONE}", "requestor": {"name": "n"}}),
    ("POST", "/api/cases", {"queue": "cim-emea", "title": "t", "requestor": {"name": LONE}}),
    ("POST", "/api/cases/1/memos", {"text": LONE}),
    ("POST", "/api/cases/1/interactions", {"type": "phone", "direction": "inbound", "contact": "c",
                                           "summary": f"s{LONE}", "started_at": 1, "ended_at": 2}),
    ("PATCH", "/api/cases/1", {"owner": LONE}),
    ("POST", "/api/cases", {"chat_id": LONE}),
    ("POST", "/api/cases/1/chats", {"chat_id": LONE}),
    ("POST", "/api/cases/1/memos", {"text": "nul \x00 inside"}),
])
async def test_a_lone_surrogate_or_nul_in_a_text_is_400_invalid_value(
    harness: Harness, method: str, path: str, body: dict[str, Any],
) -> None:
    _w, api = await login(harness, "ann")
    assert await one_case(api) == 1
    status, error = await api.call(method, path, body)
    assert (status, error["code"]) == (400, "invalid_value"), error
    assert "\\ud800" in error["detail"] or "NUL" in error["detail"] or "Unicode" in error["detail"]
    status, case = await api.get("/api/cases/1")
    assert status == 200 and case["memos"] == [] and case["external_infos"] == []


async def test_a_form_body_that_is_not_utf8_gets_the_page_with_an_error_not_a_500(harness: Harness) -> None:
    _w, api = await login(harness, "ann")
    path = await customer_path(api, await one_case(api))
    for body in (b"text=caf\xe9", b"text=caf%E9", b"text=%ED%A0%80", b"text=a%00b", b"\xff\xfe\x00"):
        status, content_type, html = await raw_call(harness, "POST", path, data=body, headers=FORM)
        assert (status, content_type) == (400, "text/html"), (body, html[:300])
        assert b"role=\"alert\"" in html
    status, content_type, _ = await raw_call(harness, "POST", path, data="text=Grüße".encode(), headers=FORM)
    assert status == 303
    _, case = await api.get("/api/cases/1")
    assert [i["text"] for i in case["external_infos"]] == ["Grüße"]


@pytest.mark.parametrize("number", ["abc", "-1", "1.5", "%00", "1e3", "%201", "+1", "%D9%A1", "%ED%A0%80",
                                    str(2**53), "9" * 40])
async def test_a_bad_case_number_in_the_path_is_400_invalid_value_json(harness: Harness, number: str) -> None:
    _w, api = await login(harness, "ann")
    await one_case(api)
    for method, suffix in (("GET", ""), ("PATCH", ""), ("POST", "/memos"), ("POST", "/customer-link")):
        path = f"/api/cases/{number}{suffix}"
        status, content_type, body = await raw_call(harness, method, path, api.token, b"{}")
        error = json_error(status, content_type, body)
        assert (status, error["code"]) == (400, "invalid_value"), (method, path, error)


async def test_unknown_ids_and_routes_under_api_are_typed_json(harness: Harness) -> None:
    _w, api = await login(harness, "ann")
    await one_case(api)
    expected = [
        ("GET", f"/api/cases/{2**53 - 1}", 404, "unknown_case"),
        ("GET", "/api/cases/0", 404, "unknown_case"),
        ("GET", "/api/cases/by-chat/%00", 400, "invalid_value"),
        ("GET", "/api/cases/by-chat/nope", 404, "unknown_chat"),
        ("GET", "/api/nothing-here", 404, "unknown_route"),
        ("GET", "/api/cases/1/teleport", 404, "unknown_route"),
        ("GET", "/api/", 404, "unknown_route"),
        ("DELETE", "/api/cases/1", 405, "method_not_allowed"),
        ("PUT", "/api/cases", 405, "method_not_allowed"),
        ("GET", "/api/cases?limit=-1", 400, "invalid_value"),
        ("GET", "/api/cases?limit=1.5", 400, "invalid_value"),
        ("GET", "/api/cases?due_before=nan", 400, "invalid_value"),
        ("GET", "/api/cases?due_before=inf", 400, "invalid_value"),
        ("GET", "/api/cases?queue=cim-emea%00", 400, "invalid_value"),
    ]
    for method, path, want_status, code in expected:
        status, content_type, body = await raw_call(harness, method, path, api.token)
        error = json_error(status, content_type, body)
        assert (status, error["code"]) == (want_status, code), (method, path, error)


async def test_bad_links_and_methods_on_the_customer_page_are_its_own_html_pages(harness: Harness) -> None:
    _w, api = await login(harness, "ann")
    path = await customer_path(api, await one_case(api))
    for method, url, want in (("GET", "/case/short", 404), ("GET", "/case/%00", 404), ("GET", "/case/a/b", 404),
                              ("POST", "/case/" + "x" * 200, 404), ("PUT", path, 405), ("DELETE", "/case/", 404)):
        status, content_type, html = await raw_call(harness, method, url, data=b"text=hi", headers=FORM)
        assert (status, content_type) == (want, "text/html"), (method, url)
        assert b"<h1>" in html


async def test_a_deeply_nested_body_is_400_bad_request(harness: Harness) -> None:
    _w, api = await login(harness, "ann")
    await one_case(api)
    for raw in (b"[" * 200_000 + b"]" * 200_000, b'{"text": ' + b"1" * 5000 + b', "mode": "save"}',
                b'{"text": NaN, "mode": "save"}', b'{"text": "\\ud800", "mode": "save"}'):
        status, content_type, body = await raw_call(harness, "POST", "/api/cases/1/external-infos", api.token, raw,
                                                    {"Content-Type": "application/json"})
        error = json_error(status, content_type, body)
        assert status == 400 and error["code"] in ("bad_request", "invalid_value"), error


# ---- bounded loads ---------------------------------------------------------------------------------------


async def test_a_computed_filter_pages_through_bounded_batches_and_says_when_it_stopped(
    harness: Harness, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _w, api = await login(harness, "ann")
    for _ in range(7):
        await one_case(api)
    limits: list[int] = []
    real = CaseStoreMixin.list_cases

    async def spy(self: CaseStoreMixin, *args: Any, **kwargs: Any) -> Any:
        limits.append(args[3] if len(args) > 3 else kwargs["limit"])
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(CaseStoreMixin, "list_cases", spy)
    monkeypatch.setattr(cases_api, "SCAN_BATCH", 2)
    monkeypatch.setattr(cases_api, "MAX_SCAN", 4)
    status, found = await api.get("/api/cases?sort=due&limit=3")
    assert status == 200
    assert max(limits) <= 2 and sum(limits[:-1]) == 4  # two batches of two, then a probe of one
    assert found["truncated"] is True
    assert [c["number"] for c in found["cases"]] == [4, 5, 6]  # due soonest: oldest of the newest four

    limits.clear()
    monkeypatch.setattr(cases_api, "MAX_SCAN", 100)
    status, found = await api.get("/api/cases?sort=due&limit=3")
    assert found["truncated"] is False and [c["number"] for c in found["cases"]] == [1, 2, 3]
    assert max(limits) <= 2
    status, found = await api.get("/api/cases?sla=any")
    assert (status, found["cases"], found["truncated"]) == (200, [], False)
    status, found = await api.get("/api/cases?limit=2")
    assert [c["number"] for c in found["cases"]] == [7, 6] and found["truncated"] is False


async def test_a_due_filter_looks_at_open_cases_only(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    ann, api = await login(harness, "ann")
    chat_id = await chat_with_memo(harness, ann)
    _, from_chat = await api.post("/api/cases", {"chat_id": chat_id})
    closed = await one_case(api)
    await api.patch(f"/api/cases/{closed}", {"state": "closed"})
    states: list[Any] = []
    real = CaseStoreMixin.list_cases

    async def spy(self: CaseStoreMixin, *args: Any, **kwargs: Any) -> Any:
        states.append({s.value for s in args[2]})
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(CaseStoreMixin, "list_cases", spy)
    status, found = await api.get(f"/api/cases?state=all&due_before={2 * 10**9}")
    assert status == 200 and [c["number"] for c in found["cases"]] == [from_chat["number"]]
    assert states and all(s == {"new", "in_process", "awaiting_info"} for s in states)
    status, found = await api.get("/api/cases?state=closed&due_before=2000000000")
    assert (status, found["cases"]) == (200, [])
