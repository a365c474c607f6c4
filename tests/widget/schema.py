"""The widget's copy of the wire schema (widget/src/schema.json), derived from shared/messages/.

DESIGN.md: one schema, the widget's JS mirrors it. ``expected()`` describes every message of the
requestor endpoint and every value type inside them the way the widget checks frames; the test
compares it with the JSON the widget bundles. Regenerate after a protocol change with
``.venv/bin/python tests/widget/schema.py``.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from enum import Enum
from pathlib import Path
from typing import Any, Union

from onduty.shared.errors import ErrorCode
from onduty.shared.messages import (
    REQUESTOR_MESSAGES,
    AgentJoined,
    CallbackSaved,
    CallUpdate,
    ChatEnded,
    ChatMessage,
    ChatRated,
    ChatRequested,
    ChatRequeued,
    CobrowsePoint,
    CobrowseSnapshot,
    CobrowseUpdate,
    Error,
    PeerCandidate,
    PeerOffer,
    PeerTyping,
    QueueInfo,
    Sent,
    VoiceAvailable,
    Waiting,
    Welcome,
)
from onduty.shared.types import Max

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "widget" / "src" / "schema.json"
TO_REQUESTOR = (
    Welcome, Error, ChatRequested, QueueInfo, CallbackSaved, Waiting, AgentJoined, ChatRequeued, ChatMessage,
    PeerTyping, Sent, ChatEnded, ChatRated, VoiceAvailable, CallUpdate, PeerOffer,
    PeerCandidate, CobrowseUpdate, CobrowseSnapshot, CobrowsePoint,
)


class _Describer:
    def __init__(self) -> None:
        self.enums: dict[str, list[str]] = {}
        self.types: dict[str, dict[str, Any]] = {}

    def hint(self, hint: Any, bound: int | None = None) -> dict[str, Any]:
        origin = typing.get_origin(hint)
        if origin is typing.Annotated:
            base, *extra = typing.get_args(hint)
            return self.hint(base, next((e.n for e in extra if isinstance(e, Max)), bound))
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            assert len(args) == 1, hint
            return {**self.hint(args[0], bound), "nullable": True}
        if origin is list:
            return {"type": "list", "of": self.hint(typing.get_args(hint)[0]), "max": bound}
        if origin is dict:
            return {"type": "map", "of": self.hint(typing.get_args(hint)[1]), "max": bound}
        if isinstance(hint, type) and issubclass(hint, Enum):
            self.enums[hint.__name__] = [str(m.value) for m in hint]
            return {"type": "enum", "enum": hint.__name__}
        if hint in (str, int, float, bool):
            return {"type": hint.__name__, **({"max": bound} if hint is str and bound else {})}
        assert isinstance(hint, type) and dataclasses.is_dataclass(hint), hint
        if hint.__name__ not in self.types:
            self.types[hint.__name__] = {}
            self.types[hint.__name__] = self.fields(hint)
        return {"type": "record", "record": hint.__name__}

    def fields(self, cls: type) -> dict[str, Any]:
        hints = typing.get_type_hints(cls, include_extras=True)
        out: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            out[f.name] = {**self.hint(hints[f.name]), "required": required}
        return out


def expected() -> dict[str, Any]:
    d = _Describer()
    d.enums[ErrorCode.__name__] = [c.value for c in ErrorCode]
    client = {m.TYPE: d.fields(m) for m in REQUESTOR_MESSAGES}
    server = {m.TYPE: d.fields(m) for m in TO_REQUESTOR}
    return {"client": client, "server": server, "types": d.types, "enums": d.enums}


if __name__ == "__main__":
    SCHEMA_PATH.write_text(json.dumps(expected(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {SCHEMA_PATH}")
