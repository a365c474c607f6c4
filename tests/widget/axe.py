"""axe-core (widget/node_modules, an npm dev dependency) run on the widget in the page: WCAG 2.1 A and AA rules."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

from .conftest import WIDGET_SRC

AXE = WIDGET_SRC / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


async def violations(page: Page, include: str = "onduty-chat") -> list[str]:
    """What axe reports about the widget (its shadow tree included), or the elements ``include`` selects, one line
    per rule and element."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated by the test's driver, not as a page script: the page's CSP (own scripts only) stays in force
        await page.evaluate("source => { (0, eval)(source); }", AXE.read_text(encoding="utf-8"))
    result: dict[str, Any] = await page.evaluate(
        "([tags, include]) => axe.run({include: [[include]]}, {runOnly: {type: 'tag', values: tags}})", [TAGS, include],
    )
    return [f"{v['id']} ({v['impact']}): {v['help']} at {node['target']}: {node['failureSummary']}"
            for v in result["violations"] for node in v["nodes"]]
