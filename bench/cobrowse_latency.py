"""Co-browse latency: a change on a page of about 5,000 DOM nodes, until the agent's view shows it.

    .venv/bin/python -m bench.cobrowse_latency [--nodes 5000] [--changes 200] [--gap-ms 50]

Everything on loopback in one machine: the server in this process (a temporary data folder), Debian's chromium
driven by Playwright with two pages, the requestor's (the demo checkout page, grown to ``--nodes`` elements, with
the widget co-browsing) and the agent's co-browse view (opened by its one-time link), and a scripted agent
(``AgentClient``) that invites. For each change the requestor's page sets a probe element's text and notes
``Date.now()``; the view notes ``Date.now()`` on the first animation frame whose replayed page shows that text.
Both pages run in the same browser, so they read one clock. Prints one JSON object: p50 / p95 / max latency in ms,
the time from Allow to the first view, and what the page sent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer
from playwright.async_api import Page, async_playwright

from onduty.client.net.agent import AgentClient
from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.shell.app import make_app
from onduty.server.store import AgentRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.messages import ChatAssigned, CobrowseStatus, CobrowseUpdate

PASSWORD = "bench-password"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync"]
GROW = """(n) => {
  const box = document.createElement("section");
  box.id = "big";
  const probe = document.createElement("p");
  probe.id = "probe";
  probe.textContent = "tick-0";
  box.append(probe);
  document.querySelector("main").append(box);
  let made = 0;
  while (document.getElementsByTagName("*").length + 5 <= n) {
    const row = document.createElement("div");
    row.className = "row";
    for (let c = 0; c < 4; c += 1) {
      const cell = document.createElement("span");
      cell.textContent = `item ${made}-${c}`;
      row.append(cell);
    }
    box.append(row);
    made += 1;
  }
  return document.getElementsByTagName("*").length;
}"""
WATCH = """() => {
  window.__seen = {};
  const look = () => {
    const frame = document.querySelector("#screen iframe");
    const el = frame && frame.contentDocument && frame.contentDocument.getElementById("probe");
    if (el && !(el.textContent in window.__seen)) window.__seen[el.textContent] = Date.now();
    requestAnimationFrame(look);
  };
  look();
}"""


async def seed(config: ServerConfig) -> None:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(config.db_path)
    await store.open()
    await store.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA", 120.0))
    password_hash = Passwords(1, 64).hash(PASSWORD)
    await store.add_agent(AgentRecord("ann", "Ann Agent", "EMEA", "CIM", ("cim-emea",), password_hash))
    await store.close()


async def next_of(agent: AgentClient, kind: type[Any], test: Any = None) -> Any:
    async with asyncio.timeout(20):
        while True:
            event = await agent.next_event()
            if isinstance(event, kind) and (test is None or test(event)):
                return event


async def measure(nodes: int, changes: int, gap_ms: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        config = ServerConfig(data_dir=Path(tmp) / "data", argon2_time_cost=1, argon2_memory_kib=64)
        await seed(config)
        server = TestServer(make_app(config), host="127.0.0.1", port=0)
        await server.start_server()
        base = str(server.make_url("")).rstrip("/")
        agent = AgentClient(base, "ann", password=PASSWORD, request_timeout=20)
        await agent.start()
        await agent.set_duty(True)
        sent_bytes: list[int] = []
        try:
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                page: Page = await (await browser.new_context(viewport={"width": 1200, "height": 900})).new_page()
                page.on("websocket", lambda ws: ws.on("framesent", lambda p: sent_bytes.append(len(p))))
                await page.goto(base + "/widget/checkout.html")
                count = await page.evaluate(GROW, nodes)
                await page.locator(".od-launcher").click()
                form = page.locator("form.od-form")
                await form.locator("input[name=request_type][value=sales_order]").check()
                await form.locator("input[name=name]").fill("Rita Requestor")
                await form.locator("input[name=email]").fill("rita@example.org")
                await form.locator("textarea[name=message]").fill("Please look at my order")
                await form.get_by_role("button", name="Start chat").click()
                chat_id = (await next_of(agent, ChatAssigned)).chat.chat_id
                await agent.cobrowse_invite(chat_id)
                view: Page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
                await view.goto((await agent.cobrowse_link(chat_id)).url)
                before = sum(sent_bytes)
                allowed = time.perf_counter()
                await page.locator("onduty-cobrowse .bar").get_by_role("button", name="Allow").click(no_wait_after=True)
                await next_of(agent, CobrowseUpdate, lambda u: u.status is CobrowseStatus.ACTIVE)
                await view.evaluate(WATCH)
                await view.wait_for_function("() => 'tick-0' in window.__seen", timeout=30000)
                first_view_ms = (time.perf_counter() - allowed) * 1000
                snapshot_bytes = sum(sent_bytes) - before
                latencies = []
                for i in range(1, changes + 1):
                    t0 = await page.evaluate(
                        "(i) => { document.getElementById('probe').textContent = 'tick-' + i; return Date.now(); }", i)
                    await view.wait_for_function(f"() => 'tick-{i}' in window.__seen", timeout=10000)
                    seen = await view.evaluate(f"() => window.__seen['tick-{i}']")
                    latencies.append(seen - t0)
                    await asyncio.sleep(gap_ms / 1000)
                await browser.close()
        finally:
            await agent.close()
            await server.close()
    latencies.sort()
    return {
        "dom_nodes": count,
        "changes": changes,
        "latency_ms_p50": statistics.median(latencies),
        "latency_ms_p95": latencies[max(0, int(len(latencies) * 0.95) - 1)],
        "latency_ms_max": latencies[-1],
        "first_view_ms": round(first_view_ms),
        "first_snapshot_bytes_sent": snapshot_bytes,
        "bytes_sent_total": sum(sent_bytes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--gap-ms", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.nodes, args.changes, args.gap_ms)), indent=2))


if __name__ == "__main__":
    main()
