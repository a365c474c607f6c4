"""axe-core (widget/node_modules, an npm dev dependency) run on the widget in the page: WCAG 2.1 A and AA rules."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

from .conftest import WIDGET_SRC

AXE = WIDGET_SRC / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def violations(page: Page) -> list[str]:
    """What axe reports about the widget (its shadow tree included), one line per rule and element."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        await page.add_script_tag(content=AXE.read_text(encoding="utf-8"))  # the context bypasses the CSP
    result: dict[str, Any] = await page.evaluate(
        "tags => axe.run({include: [['onduty-chat']]}, {runOnly: {type: 'tag', values: tags}})", TAGS,
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} at {node['target']}: {node['failureSummary']}"
            for v in result["violations"] for node in v["nodes"]]
