"""The widget bundles a copy of the wire schema; it must say what shared/messages/ says."""

from __future__ import annotations

import json

from .schema import SCHEMA_PATH, expected


def test_widget_schema_matches_shared_messages() -> None:
    bundled = json.loads(SCHEMA_PATH.read_text())
    assert bundled == expected(), "widget/src/schema.json is stale: run .venv/bin/python tests/widget/schema.py"


def test_widget_never_parses_html() -> None:
    """Texts from the network are inserted as text: no API that parses markup appears in the widget."""
    sources = [*(SCHEMA_PATH.parent).glob("*.js"), *(SCHEMA_PATH.parents[1] / "demo").glob("*.js")]
    assert sources
    for path in sources:
        code = path.read_text(encoding="utf-8")
        for api in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert api not in code, f"{path.name} uses {api}"
