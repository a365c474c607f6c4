"""The business context's kinds and fields with their readable labels, from ``context_fields.json``.

That file is the one definition: the widget bundles it to build its items from the shop's settings
(``widget/src/context.js``), and the agent app labels what it shows with it. A kind or field that is not
defined (a host page's own items) gets its key made readable: ``catalog_hierarchy_area`` -> "Catalog hierarchy
area".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any


@dataclass(frozen=True, slots=True)
class FieldDef:
    key: str
    label: str
    setting: str = ""
    """The widget's shop setting the field comes from ("" when the widget computes it or never sends it)."""
    brief: bool = False
    """Shown on the folded context card, next to the item's id and title."""
    yes_no: bool = False
    """The value is ``"true"`` / ``"false"``: shown as Yes / No."""


@dataclass(frozen=True, slots=True)
class KindDef:
    kind: str
    label: str
    fields: tuple[FieldDef, ...] = ()
    id_setting: str = ""
    title_setting: str = ""
    when: tuple[str, ...] = ()
    """The widget sends the item when one of these shop settings is given."""

    def field(self, key: str) -> FieldDef | None:
        return next((f for f in self.fields if f.key == key), None)


def readable(key: str) -> str:
    """``catalog_hierarchy_area`` -> "Catalog hierarchy area" (for keys the definition does not list)."""
    words = key.replace("_", " ").replace("-", " ").split()
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _kind(raw: dict[str, Any]) -> KindDef:
    return KindDef(
        kind=raw["kind"], label=raw["label"], fields=tuple(FieldDef(**f) for f in raw.get("fields", [])),
        id_setting=raw.get("id_setting", ""), title_setting=raw.get("title_setting", ""),
        when=tuple(raw.get("when", [])),
    )


@cache
def kinds() -> dict[str, KindDef]:
    """Every defined kind by its wire name, in the file's order."""
    raw = json.loads((files("onduty.shared") / "context_fields.json").read_text(encoding="utf-8"))
    return {k.kind: k for k in map(_kind, raw["kinds"])}


def kind_label(kind: str) -> str:
    known = kinds().get(kind)
    return known.label if known is not None else readable(kind)


def _field(kind: str, key: str) -> FieldDef | None:
    known = kinds().get(kind)
    return known.field(key) if known is not None else None


def field_label(kind: str, key: str) -> str:
    found = _field(kind, key)
    return found.label if found is not None else readable(key)


def field_value(kind: str, key: str, value: str) -> str:
    """The value as people read it: ``"true"`` of a yes/no field is "Yes"."""
    found = _field(kind, key)
    if found is not None and found.yes_no and value.lower() in ("true", "false"):
        return "Yes" if value.lower() == "true" else "No"
    return value


def is_brief(kind: str, key: str) -> bool:
    found = _field(kind, key)
    return found is not None and found.brief
