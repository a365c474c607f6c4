"""Takes docs/img/widget-rating.png, docs/img/callbacks.png and docs/img/tray-menu.png from the real programs.

    .venv/bin/python scripts/screenshots/take.py [--port 8799] [--display :99]

Needs Debian's /usr/bin/chromium (Playwright drives it, never `playwright install`), the built widget, and for
the tray app Xvfb, icewm, xdotool, xdpyinfo and ImageMagick (`apt-get install xvfb icewm x11-utils xdotool
imagemagick libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1`, optipng if there). It starts, in a temporary folder:
`onduty-server run --demo` (its demo queues and agents), a Chromium in which requestors end a chat with the
demo agent (the rating form) and leave callback requests while nobody is on duty, the colleague "expert"
claiming one of them, then Xvfb with icewm and `onduty-agent --user demo` signed in, whose tray menu opens
"Callback requests" and its "Mark done…" dialog; then, On Duty with a requestor's chat in, the tray menu.
Everything it started is stopped at the end (nothing is kept of the temporary folder).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.async_api import Page, async_playwright, expect

from onduty.client.net.agent import AgentClient
from onduty.shared.messages import ChatAssigned, ChatMessage, Message

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"
BIN = Path(sys.executable).parent
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WAIT = 15.0

CALLBACKS = (  # (queue, name, phone, e-mail, message), oldest first
    ("cim-emea", "Mareike Vogt", "+49 30 5557 2210", "", "My order 100-4471 arrived without the tent poles. "
     "Could someone call me before Friday?"),
    ("cic", "Tomás Ferreira", "+351 21 555 0187", "tomas.ferreira@example.org",
     "I would like to change the delivery address of my order to my office."),
    ("cim-emea", "Linnea Berg", "", "linnea.berg@example.se", "Do you ship the Fjell 2 to Sweden, and how long "
     "does it take?"),
)
CLAIMED_BY_EXPERT = "Tomás Ferreira"


def run(*cmd: str, **env: str) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ, **env}).stdout


@contextmanager
def started(cmd: list[str], **kw: object) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(cmd, text=True, **kw)  # type: ignore[call-overload]
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_http(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"take: {url} did not answer")


async def next_event(agent: AgentClient, kind: type[Message]) -> Message:
    async with asyncio.timeout(WAIT):
        while True:
            event = await agent.next_event()
            if isinstance(event, kind):
                return event


async def open_widget(page: Page, url: str) -> None:
    await page.goto(url)
    await page.locator(".od-launcher").click()
    await expect(page.locator(".od-panel")).to_be_visible()


async def widget_scenes(base: str, password: str) -> None:
    """The rating form after the demo agent ended a chat; then callback requests left while nobody is on duty."""
    demo = AgentClient(base, "demo", password=password, request_timeout=WAIT)
    expert = AgentClient(base, "expert", password=password, request_timeout=WAIT)
    await demo.start()
    await expert.start()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        try:
            await demo.set_duty(True)
            context = await browser.new_context(viewport={"width": 1280, "height": 800})
            context.set_default_timeout(WAIT * 1000)
            page = await context.new_page()
            await open_widget(page, base + "/widget/")
            form = page.locator("form.od-form")
            await form.locator("input[name=request_type][value=sales_order]").check()
            await form.locator("input[name=name]").fill("Rita Berger")
            await form.locator("input[name=email]").fill("rita.berger@example.org")
            await form.locator("textarea[name=message]").fill("Hi! Does the Fjell 2 fit two adults with backpacks?")
            await form.get_by_role("button", name="Start chat").click()
            assigned = await next_event(demo, ChatAssigned)
            assert isinstance(assigned, ChatAssigned)
            chat_id = assigned.chat.chat_id
            await next_event(demo, ChatMessage)
            await demo.send(chat_id, "Hello Rita, yes: the Fjell 2 sleeps two, and each vestibule takes one "
                                     "backpack.")
            await page.locator(".od-input").fill("Perfect, I'll order it today. Thanks!")
            await page.locator(".od-input").press("Enter")
            await next_event(demo, ChatMessage)
            await demo.send(chat_id, "You're welcome, enjoy your trip!")
            await demo.end_chat(chat_id)
            group = page.get_by_role("group", name="How was this chat?")
            await expect(group).to_be_visible()
            await group.get_by_label("4 \u2013 Good").check()
            await page.get_by_label("Comment (optional)").fill("Quick and friendly answer.")
            await page.get_by_label("Comment (optional)").blur()
            await page.locator(".od-rating").scroll_into_view_if_needed()
            await page.locator(".od-panel").screenshot(path=str(IMG / "widget-rating.png"))
            await context.close()
            await demo.close_chat(chat_id)  # the agent closes the ended chat's window
            await demo.set_duty(False)

            for queue, name, phone, email, message in CALLBACKS:  # nobody on duty: the callback form at once
                context = await browser.new_context(viewport={"width": 1280, "height": 800})
                context.set_default_timeout(WAIT * 1000)
                page = await context.new_page()
                await open_widget(page, f"{base}/widget/?queue={queue}")
                cb = page.locator("form.od-callback")
                await cb.locator("input[name=name]").fill(name)
                await cb.locator("input[name=phone]").fill(phone)
                await cb.locator("input[name=email]").fill(email)
                await cb.locator("textarea[name=message]").fill(message)
                await cb.get_by_role("button", name="Call me back").click()
                await expect(page.locator(".od-callout-thanks")).to_be_visible()
                await context.close()
                await asyncio.sleep(1.1)  # distinct "Left at" order
            claimed = [c for c in await expert.list_callbacks(queue="cic") if c.name == CLAIMED_BY_EXPERT]
            await expert.claim_callback(claimed[0].callback_id)
        finally:
            await browser.close()
            await demo.close()
            await expert.close()


def xdo(display: str, *args: str) -> str:
    return run("xdotool", *args, DISPLAY=display).strip()


def window(display: str, name: str) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", name], capture_output=True,
                               text=True, env={**os.environ, "DISPLAY": display}).stdout.split()
        if found:
            return found[0]
        time.sleep(0.3)
    raise SystemExit(f"take: no window {name!r} on {display}")


def shoot(display: str, target: Path, geometry: str | None = None) -> None:
    raw = target.with_suffix(".raw.png")
    run("import", "-window", "root", str(raw), DISPLAY=display)
    crop = ["-crop", geometry, "+repage"] if geometry else []
    run("convert", str(raw), *crop, "-strip", str(target))
    raw.unlink()
    if shutil.which("optipng"):
        run("optipng", "-quiet", "-o5", str(target))


def geometry(display: str, window_id: str) -> tuple[int, int, int, int]:
    shell = xdo(display, "getwindowgeometry", "--shell", window_id)
    g = dict(line.split("=") for line in shell.splitlines())
    return int(g["X"]), int(g["Y"]), int(g["WIDTH"]), int(g["HEIGHT"])


def open_callbacks(display: str) -> None:
    """Right click on the tray icon (the first in icewm's tray), then "Callback requests (n open)…" by keyboard."""
    right_click_tray(display)
    for _ in range(6):  # from the bottom: Quit, Sign out, Settings, Contacts, Cases, Callback requests
        xdo(display, "key", "Up")
    xdo(display, "key", "Return")


def right_click_tray(display: str) -> str:
    icon = next(w for w in xdo(display, "search", "--class", "onduty").split()
                if geometry(display, w)[2:] == (24, 24))  # the tray icon is the app's 24x24 window
    xdo(display, "mousemove", "--window", icon, "12", "12", "click", "3")
    time.sleep(1)
    return icon


async def tray_menu_scene(base: str, display: str) -> None:
    """On Duty, a requestor's chat comes in (its window opens): the tray menu with the chat and the open count."""
    right_click_tray(display)
    xdo(display, "key", "Down")  # the first item that can be chosen: On Duty
    xdo(display, "key", "Return")
    await asyncio.sleep(1)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(WAIT * 1000)
            await open_widget(page, base + "/widget/")
            form = page.locator("form.od-form")
            await form.locator("input[name=request_type][value=sales_order]").check()
            await form.locator("input[name=name]").fill("Jonas Weber")
            await form.locator("input[name=email]").fill("jonas.weber@example.org")
            await form.locator("textarea[name=message]").fill("Is the Fjell 2 in stock in green?")
            await form.get_by_role("button", name="Start chat").click()
            window(display, "Chat with Jonas Weber")
            await asyncio.sleep(1)
            icon = right_click_tray(display)
            icon_y = geometry(display, icon)[1]
            menus = [geometry(display, w) for w in xdo(display, "search", "--onlyvisible", "--class", "onduty").split()]
            mx, my = next(g[:2] for g in menus if g[1] + g[3] <= icon_y and g[2] < 400)  # the menu above
            width, height = run("xdpyinfo", DISPLAY=display).split("dimensions:")[1].split()[0].split("x")
            shoot(display, IMG / "tray-menu.png", f"{int(width) - mx + 4}x{int(height) - my + 4}+{mx - 4}+{my - 4}")
            xdo(display, "key", "Escape")
        finally:
            await browser.close()


def tray_scenes(base: str, password: str, display: str, home: Path) -> None:
    env = {**os.environ, "DISPLAY": display, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_DATA_HOME": str(home / ".local/share"), "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           "QT_QPA_PLATFORM": "xcb"}
    ws = base.replace("http://", "ws://")
    with (started(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"]),
          started(["icewm"], env=env, stderr=subprocess.DEVNULL)):
        time.sleep(2)
        with started([str(BIN / "onduty-agent"), "--server", ws, "--user", "demo"], env=env):
            signin = window(display, "Sign in")
            xdo(display, "windowactivate", "--sync", signin)
            xdo(display, "type", "--delay", "20", password)
            xdo(display, "key", "Return")
            keyring = window(display, "No keyring")
            xdo(display, "windowactivate", "--sync", keyring)
            xdo(display, "key", "Return")  # Yes: keep the sign-in for this run
            time.sleep(3)  # signed in, the counts are in
            open_callbacks(display)
            callbacks = window(display, "Callback requests")
            xdo(display, "windowsize", "--sync", callbacks, "1250", "480")
            xdo(display, "windowmove", "--sync", callbacks, "12", "40")
            time.sleep(1)
            x, y, w, h = geometry(display, callbacks)
            xdo(display, "mousemove", "--window", callbacks, "100", "102", "click", "1")  # the oldest, Mareike's
            time.sleep(0.5)
            xdo(display, "mousemove", "--window", callbacks, "54", str(h - 24), "click", "1")  # Claim: "Claimed by you"
            time.sleep(1)
            xdo(display, "mousemove", "--window", callbacks, "313", str(h - 24), "click", "1")  # Mark done…
            done = window(display, "Done: callback request")
            # smaller and below the rows, so the list's rows and its buttons stay in the picture
            xdo(display, "windowsize", "--sync", done, "420", "320")
            xdo(display, "windowmove", "--sync", done, "440", "190")
            time.sleep(1)
            dx, dy, dw, dh = geometry(display, done)
            xdo(display, "mousemove", "--window", done, str(dw // 2), str(dh - 90), "click", "1")  # the note
            xdo(display, "type", "--delay", "20", "Reached her: replacement poles go out today by express.")
            xdo(display, "mousemove", "1270", "790")  # the pointer off the windows
            time.sleep(1)
            left, top = min(x, dx) - 5, min(y, dy) - 27
            right, bottom = max(x + w, dx + dw) + 5, max(y + h, dy + dh) + 5
            shoot(display, IMG / "callbacks.png", f"{right - left}x{bottom - top}+{left}+{top}")
            xdo(display, "key", "Escape")  # Cancel: nothing is marked done
            xdo(display, "key", "Escape")  # and the list closes
            asyncio.run(tray_menu_scene(base, display))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--display", default=":99")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="onduty-shots-") as tmp:
        data = Path(tmp) / "data"
        log = open(Path(tmp) / "server.log", "w+")  # noqa: SIM115 (read back for the password)
        base = f"http://127.0.0.1:{args.port}"
        with started([str(BIN / "onduty-server"), "--data", str(data), "run", "--demo", "--port", str(args.port)],
                     stdout=log, stderr=subprocess.STDOUT):
            wait_http(base + "/healthz")
            log.seek(0)
            found = re.search(r"agents\s+: demo / (\S+)", log.read())
            if found is None:
                raise SystemExit("take: the demo password was not printed")
            password = found.group(1)
            asyncio.run(widget_scenes(base, password))
            tray_scenes(base, password, args.display, Path(tmp) / "home")


if __name__ == "__main__":
    main()
