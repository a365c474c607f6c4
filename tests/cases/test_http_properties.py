"""Property tests against a real server on loopback: whatever JSON body, form body, query string or
path id a client sends, no answer is a 5xx, and every error under /api/ is JSON with a code (the
customer page answers with its own HTML page).

Hypothesis runs in a worker thread and sends each example through the test's event loop, so the one
server of the test serves every example (each request bounded by a timeout)."""

from __future__ import annotations

import asyncio
import json
import string
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..server.harness import Harness
from .conftest import FORM, customer_path, json_error, login, one_case, raw_call

T = TypeVar("T")
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WAIT = 10.0

# every code point, lone surrogates and NUL included
ANY_CHAR = st.characters(exclude_categories=())
ANY_TEXT = st.text(ANY_CHAR, max_size=40)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = ("text", "mode", "title", "description", "priority", "queue", "requestor", "chat_id", "state", "owner",
          "type", "direction", "contact", "summary", "started_at", "ended_at", "name", "email", "phone")
SHAPED = st.dictionaries(st.sampled_from(FIELDS), JSON | st.sampled_from(["save", "save_reply", "cim-emea", "ann",
                                                                          "phone", "inbound", "in_process", 1.0]),
                         max_size=6)
TRICKY = st.sampled_from([
    b"[" * 100_000 + b"]" * 100_000,
    b'{"text": ' + b"9" * 5000 + b', "mode": "save"}',
    b'{"text": 1e999, "mode": "save"}',
    b'{"started_at": -1e400}',
    b'{"text": NaN}',
    b'{"text": "\\ud800\\udc00\\udfff", "mode": "save"}',
    b'{"text": "a\\u0000b", "mode": "save"}',
    b"\xef\xbb\xbf{}",
    b"",
])
VALID_BUT_TEXT = st.one_of(  # bodies that pass every check but one text, to reach the store
    st.fixed_dictionaries({"text": ANY_TEXT, "mode": st.sampled_from(["save", "save_reply"])}),
    st.fixed_dictionaries({"owner": ANY_TEXT}),
    st.fixed_dictionaries({"chat_id": ANY_TEXT}),
    st.fixed_dictionaries({"queue": st.just("cim-emea"), "title": ANY_TEXT,
                           "requestor": st.fixed_dictionaries({"name": ANY_TEXT})}),
    st.fixed_dictionaries({"type": st.just("phone"), "direction": st.just("inbound"), "contact": ANY_TEXT,
                           "summary": ANY_TEXT, "started_at": st.just(1), "ended_at": st.just(2)}),
)
BODIES = st.one_of(
    JSON.map(lambda v: json.dumps(v).encode()),
    SHAPED.map(lambda v: json.dumps(v).encode()),
    VALID_BUT_TEXT.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    TRICKY,
)
JSON_ROUTES = [
    ("POST", "/api/cases"),
    ("PATCH", "/api/cases/1"),
    ("POST", "/api/cases/1/chats"),
    ("POST", "/api/cases/1/external-infos"),
    ("POST", "/api/cases/1/interactions"),
    ("POST", "/api/cases/1/memos"),
]
CHARSETS = st.sampled_from(["", "; charset=utf-8", "; charset=latin-1", "; charset=raw_unicode_escape",
                            "; charset=no-such-codec"])


def percent(value: str) -> str:
    """Any text as a path segment or query value, lone surrogates as their (invalid) UTF-8 bytes."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


IDS = st.one_of(
    ANY_TEXT.map(percent),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["%00", "%ff", "%ED%A0%80", "%2e%2e", "1%2F2", "0", "1", "007", "-0", "1_000"]),
)
ID_ROUTES = [
    ("GET", "/api/cases/{}"),
    ("PATCH", "/api/cases/{}"),
    ("POST", "/api/cases/{}/memos"),
    ("POST", "/api/cases/{}/customer-link"),
    ("GET", "/api/cases/by-chat/{}"),
    ("GET", "/api/files/{}"),
    ("POST", "/api/chats/{}/files"),
    ("OPTIONS", "/api/files/{}"),
    ("GET", "/api/{}"),
    ("DELETE", "/api/cases/{}"),
    ("GET", "/case/{}"),
    ("POST", "/case/{}"),
]
QUERY_KEYS = st.sampled_from(["scope", "queue", "state", "due_before", "sla", "sort", "limit"]) | ANY_TEXT
QUERY_VALUES = st.one_of(ANY_TEXT, st.sampled_from(["mine", "queues", "cim-emea", "open", "all", "new,solved",
                                                    "warning", "any", "due", "0", "500", "1e308", "nan",
                                                    "-inf", str(2**64)]),
                         st.integers().map(str))


def in_loop(loop: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, T]], T]:
    def run(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(asyncio.wait_for(coro, WAIT), loop).result(WAIT + 1)
    return run


def check_answer(path: str, status: int, content_type: str, body: bytes) -> None:
    assert status < 500, (path, status, body[:300])
    if status < 400:
        return
    if path.startswith("/api/"):
        json_error(status, content_type, body)
    else:  # the customer page: its own HTML, never aiohttp's plain text
        assert content_type == "text/html" and b"<h1>" in body, (path, status, body[:300])


async def test_any_json_body_gets_a_typed_answer(harness: Harness) -> None:
    _w, api = await login(harness, "ann")
    await one_case(api)
    run = in_loop(asyncio.get_running_loop())

    @EXAMPLES
    @given(route=st.sampled_from(JSON_ROUTES), body=BODIES, charset=CHARSETS)
    def check(route: tuple[str, str], body: bytes, charset: str) -> None:
        method, path = route
        answer = run(raw_call(harness, method, path, api.token, body,
                              {"Content-Type": f"application/json{charset}"}))
        check_answer(path, *answer)
        if answer[0] >= 400:
            assert answer[0] in (400, 403, 404, 409, 413), answer

    await asyncio.to_thread(check)


async def test_any_form_body_on_the_customer_page_gets_a_page(harness: Harness) -> None:
    _w, api = await login(harness, "ann")
    path = await customer_path(api, await one_case(api))
    run = in_loop(asyncio.get_running_loop())
    text = st.one_of(st.binary(max_size=100), st.binary(max_size=60).map(lambda b: b"text=" + b),
                     st.binary(max_size=40).map(lambda b: b"text=" + quote(b).encode()),
                     ANY_TEXT.map(lambda t: b"text=" + percent(t).encode()))

    @EXAMPLES
    @given(body=text, content_type=st.sampled_from([FORM["Content-Type"], "text/plain", "multipart/form-data",
                                                    f"{FORM['Content-Type']}; charset=latin-1"]))
    def check(body: bytes, content_type: str) -> None:
        status, kind, html = run(raw_call(harness, "POST", path, data=body, headers={"Content-Type": content_type}))
        assert status in (303, 400), (status, body, html[:300])
        check_answer(path, status, kind, html)

    await asyncio.to_thread(check)


async def test_any_path_id_gets_a_typed_answer(harness: Harness) -> None:
    _w, api = await login(harness, "ann")
    await one_case(api)
    run = in_loop(asyncio.get_running_loop())

    @EXAMPLES
    @given(route=st.sampled_from(ID_ROUTES), ident=IDS)
    def check(route: tuple[str, str], ident: str) -> None:
        method, template = route
        path = template.format(ident)
        check_answer(path, *run(raw_call(harness, method, path, api.token, b"{}",
                                         {"Content-Type": "application/json"})))

    await asyncio.to_thread(check)


async def test_any_query_string_gets_a_typed_answer(harness: Harness) -> None:
    _w, api = await login(harness, "ann")
    await one_case(api)
    run = in_loop(asyncio.get_running_loop())

    @EXAMPLES
    @given(query=st.lists(st.tuples(QUERY_KEYS, QUERY_VALUES), max_size=5),
           raw=st.text(string.printable, max_size=30))
    def check(query: list[tuple[str, str]], raw: str) -> None:
        qs = "&".join(f"{percent(k)}={percent(v)}" for k, v in query) or quote(raw, safe="=&%")
        path = f"/api/cases?{qs}"
        status, kind, body = run(raw_call(harness, "GET", path, api.token))
        check_answer("/api/cases", status, kind, body)
        if status == 200:
            assert isinstance(json.loads(body)["cases"], list)

    await asyncio.to_thread(check)
