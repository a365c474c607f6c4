"""docs/protocol.md is what client authors read: it must name every message, field and error code,
and each table must say exactly what the code does (field, type, limit, presence, default)."""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest

from onduty.shared import types as value_types
from onduty.shared.errors import ErrorCode
from onduty.shared.limits import Limits
from onduty.shared.messages import (
    AGENT_MESSAGES,
    ALL_MESSAGES,
    COBROWSE_VIEWER_MESSAGES,
    CONSOLE_MESSAGES,
    REPLIES,
    REQUESTOR_MESSAGES,
    Message,
)
from onduty.shared.types import Max, Omit

DOC = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text(encoding="utf-8")
VALUE_TYPES = [
    obj for obj in vars(value_types).values()
    if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj not in (Max, Omit)
]
ENUMS = [ErrorCode] + [
    obj for obj in vars(value_types).values()
    if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj.__module__ == value_types.__name__
]
NESTED_AS_VALUES = ("ChatMessage", "ImMessage")
"""Message classes that also appear nested (``transcript.messages``, ``channel.messages``): own value tables."""


def section(heading_start: str) -> str:
    start = DOC.index(heading_start)
    end = DOC.find("\n### ", start + 1)
    return DOC[start:end if end != -1 else None]


def table_rows(text: str) -> list[list[str]]:
    """The field rows of the first table in ``text``: cells of lines starting with ``| `name` |``."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        for line in text.splitlines() if line.startswith("| `")
    ]


def render(hint: Any, bound: int | None = None) -> tuple[str, str]:
    """The doc's type and limit columns for a type hint, as the codec reads it."""
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(hint)
        return render(base, next((e.n for e in extra if isinstance(e, Max)), bound))
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        kind, limit = render(inner, bound)
        return kind + r" \| nil", limit
    if origin is list:
        item, _ = render(typing.get_args(hint)[0])
        return f"array of {item}", f"≤ {bound} items" if bound else ""
    if origin is dict:
        item, _ = render(typing.get_args(hint)[1])
        return f"map str → {item}", f"≤ {bound} entries" if bound else ""
    if isinstance(hint, type) and (issubclass(hint, enum.Enum) or dataclasses.is_dataclass(hint)):
        return f"`{hint.__name__}`", ""
    if hint is str:
        return "str", f"≤ {bound} chars" if bound else ""
    if hint in (int, float, bool):
        return hint.__name__, ""
    raise TypeError(f"no doc rendering for {hint!r}")


def presence(f: dataclasses.Field[Any], hint: Any) -> str:
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
        return "required"
    value = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[operator]
    if value is None:
        shown = "nil"
    elif isinstance(value, bool):
        shown = "true" if value else "false"
    elif isinstance(value, enum.Enum):
        shown = f"`{value.value!r}`"
    else:
        shown = f"`{value!r}`"
    omit = next((e for e in hint.__metadata__ if isinstance(e, Omit)), None) \
        if typing.get_origin(hint) is typing.Annotated else None
    return f"optional, default {shown}" + (f"; left out while nil (protocol {omit.since} and later)" if omit else "")


def expected_rows(cls: type) -> list[list[str]]:
    hints = typing.get_type_hints(cls, include_extras=True)
    rows = []
    for f in dataclasses.fields(cls):
        if f.name == "req":
            continue  # on every message: documented once, under "Request ids"
        kind, limit = render(hints[f.name])
        rows.append([f"`{f.name}`", kind, limit, presence(f, hints[f.name])])
    return rows


def direction(cls: type[Message]) -> str:
    if cls in AGENT_MESSAGES and cls in REQUESTOR_MESSAGES:
        return "client → server, both endpoints"
    if cls in AGENT_MESSAGES:
        return "agent → server"
    if cls in REQUESTOR_MESSAGES:
        return "requestor → server"
    if cls in CONSOLE_MESSAGES:
        return "console → server"
    if cls in COBROWSE_VIEWER_MESSAGES:
        return "co-browse view → server"
    return "server → "


@pytest.mark.parametrize("cls", ALL_MESSAGES, ids=lambda c: c.TYPE)
def test_every_message_and_field_is_documented(cls: type[Message]) -> None:
    assert f"### `{cls.TYPE}` (" in DOC, f"no section for {cls.TYPE}"
    text = section(f"### `{cls.TYPE}` (")
    for f in dataclasses.fields(cls):
        if f.name == "req":
            continue
        assert f"| `{f.name}` |" in text, f"{cls.TYPE}.{f.name} is not in its table"


@pytest.mark.parametrize("cls", ALL_MESSAGES, ids=lambda c: c.TYPE)
def test_each_message_table_is_exactly_its_class(cls: type[Message]) -> None:
    text = section(f"### `{cls.TYPE}` (")
    assert [row[:4] for row in table_rows(text)] == expected_rows(cls)
    heading = text.splitlines()[0]
    assert f"(`{cls.TYPE}` ({direction(cls)}" in f"(`{heading.removeprefix('### `')}", heading
    if not expected_rows(cls):
        assert "(no fields)" in text or "No fields." in text


@pytest.mark.parametrize(
    "cls", VALUE_TYPES + [c for c in ALL_MESSAGES if c.__name__ in NESTED_AS_VALUES], ids=lambda c: c.__name__
)
def test_each_value_type_table_is_exactly_its_class(cls: type) -> None:
    text = section(f"### `{cls.__name__}`\n")
    rows = table_rows(text)
    assert [row[:4] for row in rows] == expected_rows(cls)
    if cls.__name__ in NESTED_AS_VALUES:
        assert all(len(row) == 5 and row[4] for row in rows), "every field of it has a meaning"


def test_every_value_type_named_in_a_table_has_a_section() -> None:
    field_rows = [row for row in table_rows(DOC) if len(row) >= 4 and row[3].startswith(("required", "optional"))]
    named = {name for row in field_rows for name in re.findall(r"`([A-Z]\w+)`", row[1])}
    assert {"ChatMessage", "ImMessage", "ErrorCode", "ChatInfo"} <= named
    for name in named:
        assert f"### `{name}`\n" in DOC or f"- `{name}`: " in DOC, f"{name} is used in a table but never described"


@pytest.mark.parametrize("cls", ENUMS, ids=lambda c: c.__name__)
def test_each_enumeration_lists_exactly_its_members(cls: type[enum.Enum]) -> None:
    line = re.search(rf"^- `{cls.__name__}`: (.*(?:\n  .*)*)", DOC, flags=re.MULTILINE)
    assert line is not None, f"{cls.__name__} is not in Enumerations"
    if cls is ErrorCode:
        listed = re.findall(r"^\| `([a-z_]+)` \|", section("### `ErrorCode`\n"), flags=re.MULTILINE)
    else:
        listed = re.findall(r"`([a-z_]+)`", line.group(1))
    assert listed == [m.value for m in cls]


def test_request_ids_and_every_reply_are_documented() -> None:
    text = section("### Request ids")
    for request, reply in REPLIES.items():
        answer = f"`{reply.TYPE}`" if reply is not None else "none"
        assert f"| `{request.TYPE}` | {answer} |" in text, f"{request.TYPE} -> {answer} is not in the reply table"


def test_every_error_code_is_in_the_table() -> None:
    documented = re.findall(r"^\| `([a-z_]+)` \|", section("### `ErrorCode`\n"), flags=re.MULTILINE)
    assert documented == [c.value for c in ErrorCode]


def test_the_limits_table_has_the_codes_limits() -> None:
    limits = Limits()
    text = section("### Limits")
    assert f"| frame | 64 KiB ({limits.max_frame} bytes)" in text
    assert f"| {limits.max_str} characters |" in text
    assert f"| {limits.max_array} items / {limits.max_map} entries |" in text
    assert f"| nesting depth | {limits.max_depth} containers" in text
    assert limits.max_bin == 0, "the doc says bin and ext values get too_large from one byte on"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_link_within_the_doc_has_its_heading() -> None:
    anchors = {slug(h) for h in re.findall(r"^#+ (.*)$", DOC, flags=re.MULTILINE)}
    for target in re.findall(r"\]\(#([^)]+)\)", DOC):
        assert target in anchors, f"#{target} names no heading"


def test_the_example_frames_are_what_the_codec_writes() -> None:
    from onduty.shared.codec import decode_message, encode_message
    from onduty.shared.messages import Ack, Hello

    for message, name in ((Hello(protocol=1, client="x"), 'hello{protocol: 1, client: "x"}'),
                          (Ack(chat_id="c1", seq=3), 'ack{chat_id: "c1", seq: 3}')):
        found = re.search(re.escape(f"`{name}` = `") + r"([0-9a-f ]+)`", DOC)
        assert found, name
        frame = bytes.fromhex(found.group(1))
        assert frame == encode_message(message) and decode_message(frame) == message
