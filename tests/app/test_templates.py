"""Greeting and internal memo filled from the profile and the chat (seed 000's template)."""

from __future__ import annotations

from dataclasses import replace

from onduty.client.desk.settings import DEFAULT_GREETING
from onduty.client.desk.templates import ACTION_PLACEHOLDER, greeting, memo

from .factories import PROFILE, chat


def test_greeting_names_the_agent_team_and_region() -> None:
    assert greeting(DEFAULT_GREETING, PROFILE) == "Hello, I am Ann Agent from CIM EMEA, how can I help you?"


def test_greeting_keeps_unknown_fields_and_stray_braces() -> None:
    assert greeting("Hi, {name} ({shift})", PROFILE) == "Hi, Ann Agent ({shift})"
    assert greeting("Hi {name", PROFILE) == "Hi {name"


def test_memo_follows_the_template() -> None:
    text = memo(chat(), PROFILE, "Please assign a processor")
    assert text.splitlines() == [
        "## Incoming CIM Chat request",
        "",
        ">> Requestor: Rita Requestor (rita@example.com)",
        "",
        ">> Request Type: Processor assignment/ re-assignment - Incident 4711: Printer on fire",
        "",
        f">> Action Taken: {ACTION_PLACEHOLDER}",
        "",
        "Ann Agent, CIM EMEA",
    ]


def test_memo_reason_falls_back_to_the_first_message_shortened() -> None:
    long = "My   incident needs a processor " + "x" * 100
    text = memo(chat(context=False), replace(PROFILE, lob=""), long)
    line = next(ln for ln in text.splitlines() if ln.startswith(">> Request Type"))
    assert line.startswith(">> Request Type: Processor assignment/ re-assignment - My incident needs a processor x")
    assert line.endswith("…")
    assert text.startswith("## Incoming Chat request")
