"""The widget bundles a copy of the wire schema; it must say what shared/messages.py says."""

from __future__ import annotations

import json

from .schema import SCHEMA_PATH, expected


def test_widget_schema_matches_shared_messages() -> None:
    bundled = json.loads(SCHEMA_PATH.read_text())
    assert bundled == expected(), "widget/src/schema.json is stale: run .venv/bin/python tests/widget/schema.py"
