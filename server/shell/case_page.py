"""The customer's case page, ``/case/{token}``: the External Info of the case and a form to answer.

Server-rendered HTML, every text escaped, no script at all; each message (and the answer box) laid out by
its own direction (``dir="auto"``), so an Arabic or Hebrew text reads right to left on an English page. The
only style is one inline block allowed by its hash in a strict Content-Security-Policy. The token in the link
is the customer's only key, so the page is never cached and never sent as a referrer. An answer (form POST) is stored
with the case and brings it back to In Process, which resumes ORT; then the page is shown again
(post/redirect/get).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape

from aiohttp import web

from onduty.server import inbound
from onduty.server.auth import token_hash
from onduty.server.core.cases import CaseRuleError, CaseState, InfoKind
from onduty.server.shell.wiring import Shell
from onduty.server.store.base import case_store
from onduty.server.store.records import CaseDetail

log = logging.getLogger(__name__)

MAX_ANSWER = inbound.MAX_TEXT
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
FORM = "application/x-www-form-urlencoded"
STATE_TEXT = {
    CaseState.NEW: "Received, not yet in process",
    CaseState.IN_PROCESS: "In process with our support team",
    CaseState.AWAITING_INFO: "Waiting for your answer",
    CaseState.SOLVED: "Solved",
    CaseState.CLOSED: "Closed",
}
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "li{list-style:none;border:1px solid #ccc;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}"
    "li.answer{background:#f3f7ff}p.text{white-space:pre-wrap;margin:.3rem 0 0}small{color:#666}"
    "textarea{width:100%;min-height:8rem}.notice{background:#eef8ee;padding:.5rem}.error{background:#fdeaea;"
    "padding:.5rem}ul{padding:0}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _page(title: str, body: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    html = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )
    return web.Response(status=status, text=html, content_type="text/html", charset="utf-8",
                        headers={**HEADERS, **(headers or {})})


def render_case(detail: CaseDetail, notice: str = "", error: str = "", draft: str = "", status: int = 200
                ) -> web.Response:
    """The page for one case: what support told the customer and what the customer answered."""
    case = detail.case
    items = []
    for info in detail.infos:
        who = "You" if info.kind is InfoKind.ANSWER else info.author_name
        note = " &middot; an answer from you is needed" if info.kind is InfoKind.SAVE_REPLY else ""
        css = "answer" if info.kind is InfoKind.ANSWER else "info"
        items.append(f"<li class=\"{css}\"><small>{escape(who)} &middot; {_when(info.at)}{note}</small>"
                     f"<p class=\"text\" dir=\"auto\">{escape(info.text)}</p></li>")
    body = [f"<h1>Case {case.number}: <bdi>{escape(case.title)}</bdi></h1>",
            f"<p>Status: <strong>{escape(STATE_TEXT[case.head.state])}</strong></p>"]
    if notice:
        body.append(f"<p class=\"notice\" role=\"status\">{escape(notice)}</p>")
    if error:
        body.append(f"<p class=\"error\" role=\"alert\">{escape(error)}</p>")
    body.append(f"<ul>{''.join(items)}</ul>" if items else "<p>No messages from our support team yet.</p>")
    if case.head.state is CaseState.CLOSED:
        body.append("<p>This case is closed; it takes no more answers.</p>")
    else:
        body.append(
            "<form method=\"post\"><label for=\"text\">Your answer</label>"
            f"<textarea id=\"text\" name=\"text\" dir=\"auto\" maxlength=\"{MAX_ANSWER}\" required>"
            f"{escape(draft)}</textarea>"
            "<p><button type=\"submit\">Send answer</button></p></form>"
        )
    return _page(f"Case {case.number}", "".join(body), status)


def _missing() -> web.Response:
    return _page("Case not found", "<h1>Case not found</h1><p>This link is not valid. Please use the link from "
                 "your latest e-mail about the case.</p>", 404)


def add_case_page_routes(app: web.Application, shell_of: Callable[[web.Request], Shell]) -> None:
    """``GET`` and ``POST /case/{token}``; every other path or method under ``/case/`` gets the
    "Case not found" page (404) or, for a case link, 405: HTML for the customer, never a 500."""

    async def detail_for(request: web.Request) -> CaseDetail | None:
        token = request.match_info["token"]
        if not TOKEN.fullmatch(token):
            return None
        store = case_store(shell_of(request).store)
        number = await store.case_by_token(token_hash(token))
        return None if number is None else await store.case_detail(number)

    async def show(request: web.Request) -> web.Response:
        detail = await detail_for(request)
        if detail is None:
            return _missing()
        notice = "Thank you, your answer was added to the case." if request.query.get("sent") == "1" else ""
        return render_case(detail, notice=notice)

    async def answer(request: web.Request) -> web.StreamResponse:
        shell = shell_of(request)
        detail = await detail_for(request)
        if detail is None:
            return _missing()
        try:
            text = await _answer_text(request)
        except inbound.InvalidValue as exc:
            log.info("case answer refused", extra={"case": detail.case.number, "detail": str(exc)})
            error = f"Please write an answer of 1 to {MAX_ANSWER} characters (plain text)."
            return render_case(detail, error=error, status=400)
        except web.HTTPRequestEntityTooLarge:
            log.info("case answer refused", extra={"case": detail.case.number, "detail": "too large"})
            return render_case(detail, error=f"Please write an answer of 1 to {MAX_ANSWER} characters.", status=413)
        if not text or len(text) > MAX_ANSWER:
            log.info("case answer refused", extra={"case": detail.case.number, "length": len(text)})
            error = f"Please write an answer of 1 to {MAX_ANSWER} characters."
            return render_case(detail, error=error, draft=text[:MAX_ANSWER], status=400)
        try:
            case, _ = await case_store(shell.store).customer_answer(detail.case.number, text, shell.clock())
        except CaseRuleError as exc:
            log.info("case answer refused", extra={"case": detail.case.number, "detail": str(exc)})
            return render_case(detail, error="This case is closed; it takes no more answers.", status=409)
        log.info("customer answered a case", extra={"case": case.number, "state": case.head.state.value})
        raise web.HTTPSeeOther(location=f"{request.path}?sent=1", headers=HEADERS)

    async def elsewhere(request: web.Request) -> web.Response:
        if TOKEN.fullmatch(request.match_info["tail"]):
            return _page("Not allowed", "<h1>Not allowed</h1><p>This page can only be shown or answered.</p>", 405,
                         {"Allow": "GET, HEAD, POST"})
        return _missing()

    app.router.add_get("/case/{token}", show)
    app.router.add_post("/case/{token}", answer)
    app.router.add_route("*", "/case/{tail:.*}", elsewhere)


async def _answer_text(request: web.Request) -> str:
    """The form's ``text``: a urlencoded body in strict UTF-8 (a browser sends nothing else), stripped;
    ``""`` if missing. Raises :class:`inbound.InvalidValue` for anything else."""
    if request.content_type not in (FORM, "application/octet-stream"):  # aiohttp's default for none
        raise inbound.InvalidValue("form", f"send {FORM}")
    raw = inbound.form(await request.read()).get("text", "")
    return inbound.text(raw, "text", max_len=len(raw), required=False)
