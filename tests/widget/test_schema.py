"""The widget bundles a copy of the wire schema; it must say what shared/messages/ says."""

from __future__ import annotations

import json

from .schema import SCHEMA_PATH, expected


def test_widget_schema_matches_shared_messages() -> None:
    bundled = json.loads(SCHEMA_PATH.read_text())
    assert bundled == expected(), "widget/src/schema.json is stale: run .venv/bin/python tests/widget/schema.py"


def test_widget_never_parses_html() -> None:
    """Texts from the network are inserted as text: no API that parses markup appears in the widget."""
    sources = [*(SCHEMA_PATH.parent).glob("*.js"), *(SCHEMA_PATH.parents[1] / "demo").glob("*.js"),
               *(SCHEMA_PATH.parents[1] / "cobrowse").glob("*.js")]
    assert sources
    for path in sources:
        code = path.read_text(encoding="utf-8")
        for api in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert api not in code, f"{path.name} uses {api}"


def test_the_business_context_table_lists_every_shop_setting_of_the_definition() -> None:
    """docs/widget.md's table and the widget's settings come from shared/context_fields.json: none is missing."""
    definition = json.loads((SCHEMA_PATH.parents[2] / "shared" / "context_fields.json").read_text())
    doc = (SCHEMA_PATH.parents[2] / "docs" / "widget.md").read_text()
    for kind in definition["kinds"]:
        for setting in [kind.get("id_setting"), kind.get("title_setting"), *(f.get("setting") for f in kind["fields"])]:
            assert setting is None or f"`{setting}`" in doc, setting
        for f in kind["fields"]:
            assert not f.get("setting") or f"`{f['key']}`" in doc, f["key"]
