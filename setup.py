"""The package build builds the web widget first when its files are missing (a clean clone, ``pip install git+...``).

Everything else about the package is in pyproject.toml. The widget's sources are in ``widget/``; npm bundles
them into ``server/static/widget/``, which ships as package data (and in the sdist, so installing from an
sdist needs no npm). scripts/bootstrap.sh builds it too, so a development tree never gets here.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.egg_info import egg_info
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
WIDGET_SRC = ROOT / "widget"
WIDGET_OUT = ROOT / "server" / "static" / "widget"
WIDGET_FILES = ("onduty.js", "index.html", "shop.css", "shop.js", "checkout.html", "cobrowse-ui.js",
                "cobrowse-record.js")
"""What widget/build.mjs writes; the server serves exactly these under /widget/."""
CONSOLE_OUT = ROOT / "server" / "static" / "console"
CONSOLE_FILES = ("console.js", "index.html", "console.css", "uplot.css")
COBROWSE_OUT = ROOT / "server" / "static" / "cobrowse"
COBROWSE_FILES = ("view.js", "index.html", "view.css", "replayer.css")
"""The agent's co-browse view, built by the same widget/build.mjs; served under /cobrowse/."""
"""The supervisor console, built by the same widget/build.mjs; served under /console/."""


def ensure_widget() -> None:
    """Build the widget with npm unless all its files are there; stop with a clear message without npm."""
    if all((WIDGET_OUT / name).is_file() for name in WIDGET_FILES) and all(
            (CONSOLE_OUT / name).is_file() for name in CONSOLE_FILES) and all(
            (COBROWSE_OUT / name).is_file() for name in COBROWSE_FILES):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "OnDuty's web widget is not built (server/static/widget/ is missing) and npm was not found.\n"
            "Install Node.js 18 or newer with npm (Debian/Ubuntu: apt-get install nodejs npm) and try again,\n"
            "or build it yourself first: cd widget && npm ci && npm run build"
        )
    if not (WIDGET_SRC / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WIDGET_SRC, check=True)
    subprocess.run([npm, "run", "--silent", "build"], cwd=WIDGET_SRC, check=True)
    missing = [name for name in WIDGET_FILES if not (WIDGET_OUT / name).is_file()]
    missing += [f"../console/{name}" for name in CONSOLE_FILES if not (CONSOLE_OUT / name).is_file()]
    missing += [f"../cobrowse/{name}" for name in COBROWSE_FILES if not (COBROWSE_OUT / name).is_file()]
    if missing:
        raise SystemExit(f"npm run build in widget/ did not write {', '.join(missing)} to server/static/widget/")


class EggInfoWithWidget(egg_info):
    """Metadata (pip's first step, and the sdist's file list) needs the widget's package folder."""

    def run(self) -> None:
        ensure_widget()
        super().run()


class BuildPyWithWidget(build_py):
    def run(self) -> None:
        ensure_widget()
        super().run()


class SdistWithWidget(sdist):
    def run(self) -> None:
        ensure_widget()
        super().run()


setup(cmdclass={"egg_info": EggInfoWithWidget, "build_py": BuildPyWithWidget, "sdist": SdistWithWidget})
