"""A case as the case views show it, without Qt: state and priority labels, and its pages as HTML.

The case panel puts these into its tabs (External Info, interactions, linked chats, memos, history);
the case list labels its columns with the same words.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from onduty.client.desk.rating import rating_html
from onduty.client.net.cases import Case, CaseState, InfoKind, InteractionType, Priority

STATE_LABELS = {CaseState.NEW: "New", CaseState.IN_PROCESS: "In Process", CaseState.AWAITING_INFO: "Awaiting Info",
                CaseState.SOLVED: "Solved", CaseState.CLOSED: "Closed"}
PRIORITY_LABELS = {Priority.VERY_HIGH: "Very High", Priority.HIGH: "High", Priority.MEDIUM: "Medium",
                   Priority.LOW: "Low"}
INFO_LABELS = {InfoKind.SAVE: "Save · customer informed, no answer needed",
               InfoKind.SAVE_REPLY: "Save Reply · customer's answer needed", InfoKind.ANSWER: "Customer's answer"}
MAIL_LABELS = {"sent": "mailed", "outbox": "mail in the outbox", "failed": "mail FAILED",
               "no_address": "no e-mail address: on the case page only", "": ""}


def _t(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M")


def text_html(text: str) -> str:
    """Plain text as HTML: escaped, line breaks kept."""
    return html.escape(text).replace("\n", "<br>")


def infos_html(case: Case) -> str:
    if not case.external_infos:
        return "<p><i>Nothing told to the customer yet. IRT stops with the first Save or Save Reply.</i></p>"
    out = []
    for i in case.external_infos:
        colour = {"answer": "#1a56b0", "save_reply": "#a15c00"}.get(i.kind.value, "#202124")
        who = "Customer" if i.kind is InfoKind.ANSWER else i.author_name or i.author
        mail = MAIL_LABELS.get(i.mail, i.mail)
        out.append(f"<p><b style='color:{colour}'>{html.escape(INFO_LABELS[i.kind])}</b> · {html.escape(who)} · "
                   f"{_t(i.at)}{' · ' + html.escape(mail) if mail else ''}<br>{text_html(i.text)}</p>")
    return "".join(out)


def interactions_html(case: Case) -> str:
    if not case.interactions:
        return "<p><i>No phone calls or e-mails documented.</i></p>"
    return "".join(
        f"<p><b>{'Phone call' if r.type is InteractionType.PHONE else 'E-mail'}, {r.direction.value}</b> · "
        f"{html.escape(r.contact)} · {_t(r.started_at)} to {datetime.fromtimestamp(r.ended_at).strftime('%H:%M')}"
        f" · by {html.escape(r.author)}<br>{text_html(r.summary)}</p>" for r in case.interactions)


def chats_html(case: Case, queue_title: Callable[[str], str]) -> str:
    if not case.chats:
        return "<p><i>No chats linked.</i></p>"
    out = []
    for chat in case.chats:
        out.append(f"<h4>Chat with {html.escape(chat.requestor_name)} · {html.escape(queue_title(chat.queue))} · "
                   f"{_t(chat.requested_at)}</h4>")
        out += [f"<p><b>{html.escape(c.kind)} {html.escape(c.id)}</b> {html.escape(c.title)}"
                + "".join(f"<br>&nbsp;&nbsp;{html.escape(k)}: {html.escape(v)}" for k, v in sorted(c.fields.items()))
                + "</p>" for c in chat.context]
        out += [f"<p><span style='color:#5f6368'>{datetime.fromtimestamp(m.at).strftime('%H:%M')}</span> "
                f"<b>{html.escape(m.sender_name)}</b>: {text_html(m.text)}</p>" for m in chat.messages]
        out += [f"<p>[file] {html.escape(f.name)} ({f.size} bytes, from {html.escape(f.uploaded_by)})</p>"
                for f in chat.files]
        out += [f"<p><i>Chat memo by {html.escape(m.author)}, {_t(m.at)}</i><br>{text_html(m.text)}</p>"
                for m in chat.memos]
        if chat.ended_at is not None or chat.rating is not None:
            out.append(rating_html(chat.rating))
    return "".join(out)


def memos_html(case: Case) -> str:
    if not case.memos:
        return "<p><i>No internal notes on the case.</i></p>"
    return "".join(f"<p><i>{html.escape(m.author)}, {_t(m.at)}</i><br>{text_html(m.text)}</p>" for m in case.memos)


def history_html(case: Case) -> str:
    rows = [f"<tr><td>{_t(h.at)}</td><td>{html.escape(h.actor)}</td><td>{html.escape(h.what)}</td>"
            f"<td>{html.escape(h.old)}</td><td>{html.escape(h.new)}</td></tr>" for h in case.history]
    rows += [f"<tr><td>{_t(e.at)}</td><td>system</td><td>SLA {html.escape(e.kind)}</td>"
             f"<td>{html.escape(e.clock.upper())}</td><td></td></tr>" for e in case.sla_events]
    return ("<table cellpadding='3'><tr><th>when</th><th>who</th><th>what</th><th>from</th><th>to</th></tr>"
            + "".join(rows) + "</table>")
