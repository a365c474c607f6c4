"""Texts the app fills from a chat and the agent's profile: the greeting and the internal memo.

The memo follows the CIM chat process's template (Requestor, Request Type, Action Taken,
Signature); the agent edits the action before it is copied and stored with the chat.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from onduty.client.desk.context_card import context_line
from onduty.shared.types import AgentProfile, BusinessContext, ChatInfo, RequestType

REQUEST_TYPE_LABELS: dict[RequestType, str] = {
    RequestType.INFORMATIONAL: "Informational",
    RequestType.NAVIGATIONAL: "Navigational",
    RequestType.SALES_ORDER: "Sales order",
    RequestType.ADMINISTRATIVE: "Administrative",
    RequestType.PROCESSOR_ASSIGNMENT: "Processor assignment/ re-assignment",
    RequestType.OTHER: "Other",
}

ACTION_PLACEHOLDER = "Triggered <QM/ IMS Manager/ Dev. Comp Owner/ DL etc.>"


class _Lenient(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def greeting(template: str, profile: AgentProfile) -> str:
    """``{name}``, ``{team}`` (line of business) and ``{region}`` filled; unknown fields stay as written."""
    values = _Lenient(name=profile.display_name, team=profile.lob, region=profile.region)
    try:
        return string.Formatter().vformat(template, (), values).strip()
    except (ValueError, IndexError):  # a stray brace in a user-edited template
        return template.strip()


def requestor_line(chat: ChatInfo) -> str:
    r = chat.requestor
    extra = [x for x in (r.verified_id, r.email) if x]
    return f"{r.name} ({', '.join(extra)})" if extra else r.name


def memo(chat: ChatInfo, profile: AgentProfile, first_message: str = "", action: str = ACTION_PLACEHOLDER) -> str:
    """The internal memo for ``chat``; the reason is the first context reference or the first message."""
    reason = _reason(chat.context, first_message)
    request_type = REQUEST_TYPE_LABELS.get(chat.request_type, str(chat.request_type))
    lines = [
        f"## Incoming {profile.lob} Chat request".replace("  ", " "),
        "",
        f">> Requestor: {requestor_line(chat)}",
        "",
        f">> Request Type: {request_type}" + (f" - {reason}" if reason else ""),
        "",
        f">> Action Taken: {action}",
        "",
        signature(profile),
    ]
    return "\n".join(lines)


def signature(profile: AgentProfile) -> str:
    team = " ".join(x for x in (profile.lob, profile.region) if x)
    return f"{profile.display_name}, {team}" if team else profile.display_name


def _reason(context: Sequence[BusinessContext], first_message: str) -> str:
    if context:
        return context_line(context[0])
    text = " ".join(first_message.split())
    return text if len(text) <= 80 else text[:79] + "…"


def chat_card(chat: ChatInfo) -> BusinessContext:
    """A chat as a business context card for a colleague: opening it opens the chat's transcript."""
    fields = {"requestor": requestor_line(chat), "queue": chat.queue,
              "request type": REQUEST_TYPE_LABELS.get(chat.request_type, chat.request_type.value)}
    if chat.context:
        fields["context"] = context_line(chat.context[0])
    return BusinessContext(kind="chat", id=chat.chat_id, title=f"Chat with {chat.requestor.name}", fields=fields)
