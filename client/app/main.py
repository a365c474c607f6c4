"""``onduty-agent``: the agent tray app. One asyncio loop (qasync) runs inside Qt's event loop."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

import keyring

from onduty.client.app.app import AgentApp
from onduty.client.app.collector import MainThreadCollector
from onduty.client.app.qt.widgets import QApplication
from onduty.client.desk.credentials import TokenStore
from onduty.client.desk.settings import Flags, SettingsError, SettingsPaths, load


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onduty-agent", description="OnDuty agent tray app")
    parser.add_argument("--server", help="server address, e.g. ws://127.0.0.1:8765, or several comma-separated"
                                         " (a cluster's nodes, tried in turn), unless IT's preset locks it")
    parser.add_argument("--user", help="username to sign in with")
    parser.add_argument("--log-level", default="warning", choices=["debug", "info", "warning", "error"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    paths = SettingsPaths.for_platform()
    try:
        settings = load(Flags(server=args.server, user=args.user), paths)
    except SettingsError as exc:
        print(f"onduty-agent: {exc}", file=sys.stderr)
        return 2
    from onduty.client.app.qt.loop import QEventLoop

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qt_app, QApplication)
    qt_app.setApplicationName("OnDuty")
    qt_app.setApplicationDisplayName("OnDuty")
    qt_app.setQuitOnLastWindowClosed(False)
    loop = QEventLoop(qt_app)
    asyncio.set_event_loop(loop)
    collector = MainThreadCollector(parent=qt_app)
    collector.start()
    app = AgentApp(settings, paths, TokenStore(keyring.get_keyring()))
    app.quit_requested.connect(qt_app.quit)
    app.start()
    with loop:
        loop.run_forever()
    collector.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
