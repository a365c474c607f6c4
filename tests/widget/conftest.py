"""Browser tests of the requestor widget: a real server on loopback, Debian's chromium driven by
Playwright (async API, in the test's event loop), scripted agents from onduty.client.net.

Chromium is required: without /usr/bin/chromium these tests fail with a message saying how to
install it (scripts/test does with ONDUTY_APT=chromium); they are never skipped silently.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from onduty.client.net.agent import AgentClient
from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.shell.app import SHELL, make_app
from onduty.server.shell.wiring import Shell
from onduty.server.store import AgentRecord, QueueRecord, SiteRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.messages import Message

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WIDGET_SRC = ROOT / "widget"
WIDGET_OUT = ROOT / "server" / "static" / "widget"
CONTEXT_FIELDS = ROOT / "shared" / "context_fields.json"
"""Bundled into the widget (the business context's one definition)."""
PASSWORD = "correct horse"
SITE_SECRET = "shop-site-secret"
WAIT = 10.0
M = TypeVar("M", bound=Message)


def _widget_stale() -> bool:
    bundle = WIDGET_OUT / "onduty.js"
    if not bundle.exists():
        return True
    built = bundle.stat().st_mtime
    sources = [*(WIDGET_SRC / "src").iterdir(), *(WIDGET_SRC / "demo").iterdir(), WIDGET_SRC / "build.mjs",
               *(WIDGET_SRC / "console").iterdir(), *(WIDGET_SRC / "cobrowse").iterdir(), CONTEXT_FIELDS]
    console = ROOT / "server" / "static" / "console" / "console.js"
    return not console.exists() or any(p.stat().st_mtime > min(built, console.stat().st_mtime) for p in sources)


@pytest.fixture(scope="session")
def widget_built() -> Path:
    """The built widget; rebuilt here when its sources are newer (and npm is there)."""
    if _widget_stale():
        npm = shutil.which("npm")
        if npm is None or not (WIDGET_SRC / "node_modules").is_dir():
            pytest.fail("the widget is not built (or older than its sources): run "
                        "`cd widget && npm ci && npm run build` (scripts/bootstrap.sh does)")
        subprocess.run([npm, "run", "--silent", "build"], cwd=WIDGET_SRC, check=True, capture_output=True)
    return WIDGET_OUT


class Clock:
    """Real time plus an offset the test can move (the waiting-line limit without waiting)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass
class Shop:
    """A running server with the demo queues, agents ann/bob (cim-emea, shop-b2b) and site "shop"."""

    config: ServerConfig
    app: web.Application
    server: TestServer
    clock: Clock
    agents: list[AgentClient] = field(default_factory=list)

    @property
    def shell(self) -> Shell:
        return self.app[SHELL]

    @property
    def base(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def url(self, path: str) -> str:
        return self.base + path

    def advance(self, seconds: float) -> None:
        self.clock.offset += seconds
        self.shell.routing.wake()

    async def agent(self, username: str, *, on_duty: bool = True) -> AgentClient:
        client = AgentClient(self.base, username, password=PASSWORD, request_timeout=WAIT)
        self.agents.append(client)
        await client.start()
        if on_duty:
            await client.set_duty(True)
        return client


async def seed(config: ServerConfig) -> None:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(config.db_path)
    await store.open()
    pw = Passwords(1, 64).hash(PASSWORD)
    await store.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA", 120.0))
    await store.add_queue(QueueRecord("shop-b2b", "Shop B2B", "EMEA", 120.0, anonymous=False))
    await store.add_agent(AgentRecord("ann", "Ann Agent", "EMEA", "CIM", ("cim-emea", "shop-b2b"), pw))
    await store.add_agent(AgentRecord("bob", "Bob Agent", "EMEA", "CIM", ("cim-emea",), pw))
    await store.add_site(SiteRecord("shop", SITE_SECRET))
    await store.close()


@asynccontextmanager
async def running_shop(data: Path, **config: Any) -> AsyncIterator[Shop]:
    """The server on a loopback port, in this event loop; ``config``: ServerConfig settings."""
    server_config = ServerConfig(data_dir=data, argon2_time_cost=1, argon2_memory_kib=64, **config)
    await seed(server_config)
    clock = Clock()
    app = make_app(server_config, clock=clock)
    server = TestServer(app, host="127.0.0.1", port=0)
    await server.start_server()
    the_shop = Shop(server_config, app, server, clock)
    try:
        yield the_shop
    finally:
        for agent in the_shop.agents:
            await agent.close()
        await server.close()


@pytest.fixture
async def shop(tmp_path: Path, widget_built: Path) -> AsyncIterator[Shop]:
    async with running_shop(tmp_path / "data") as the_shop:
        yield the_shop


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the widget's browser tests need Debian's chromium "
                    "(apt-get install chromium; scripts/test installs it with ONDUTY_APT=chromium)")
    return CHROMIUM


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        the_browser = await pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True)
        try:
            yield the_browser
        finally:
            await the_browser.close()


@dataclass
class Watch:
    """JavaScript errors, console errors and dialogs (an ``alert`` from injected markup...) of the pages
    a test opened: any of them fails the test."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)

        async def dialog(d: Any) -> None:
            self.errors.append(f"dialog: {d.message}")
            await d.dismiss()

        page.on("dialog", dialog)
        return page

    def _console(self, message: Any) -> None:
        # The browser logs refused HTTP requests (a 415 for a refused upload) itself: the tests check those.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console.error: {message.text}")


@pytest.fixture
async def new_page(browser: Browser) -> AsyncIterator[Callable[..., Any]]:
    """new_page(**context options) -> a page in its own browser context (its own sessionStorage)."""
    watch = Watch()
    contexts: list[BrowserContext] = []

    async def make(**options: Any) -> Page:
        context = await browser.new_context(accept_downloads=True, **options)
        context.set_default_timeout(WAIT * 1000)
        contexts.append(context)
        return watch.attach(await context.new_page())

    yield make
    for context in contexts:
        await context.close()
    assert not watch.errors, watch.errors


async def next_event(agent: AgentClient, kind: type[M], predicate: Callable[[M], bool] | None = None) -> M:
    """The agent's next event of ``kind`` (matching ``predicate``); others are skipped."""
    async with asyncio.timeout(WAIT):
        while True:
            event = await agent.next_event()
            if isinstance(event, kind) and (predicate is None or predicate(event)):
                return event
