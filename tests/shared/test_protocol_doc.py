"""docs/protocol.md is what client authors read: it must name every message, field and error code."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from onduty.shared.errors import ErrorCode
from onduty.shared.messages import ALL_MESSAGES, REPLIES, Message

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")


def section(heading_start: str) -> str:
    start = DOC.index(heading_start)
    end = DOC.find("\n### ", start + 1)
    return DOC[start:end if end != -1 else None]


@pytest.mark.parametrize("cls", ALL_MESSAGES, ids=lambda c: c.TYPE)
def test_every_message_and_field_is_documented(cls: type[Message]) -> None:
    assert f"### `{cls.TYPE}` (" in DOC, f"no section for {cls.TYPE}"
    text = section(f"### `{cls.TYPE}` (")
    for f in dataclasses.fields(cls):
        if f.name == "req":
            continue  # on every message: documented once, under "Request ids"
        assert f"| `{f.name}` |" in text, f"{cls.TYPE}.{f.name} is not in its table"


def test_request_ids_and_every_reply_are_documented() -> None:
    text = section("### Request ids")
    for request, reply in REPLIES.items():
        answer = f"`{reply.TYPE}`" if reply is not None else "none"
        assert f"| `{request.TYPE}` | {answer} |" in text, f"{request.TYPE} -> {answer} is not in the reply table"


def test_every_error_code_is_in_the_table() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section("## Errors"), flags=re.MULTILINE))
    assert {c.value for c in ErrorCode} <= documented
