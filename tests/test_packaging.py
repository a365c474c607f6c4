"""The package installs from every source: a development tree, a clean clone (the widget is built by the
package build), an sdist (it carries the built widget, so no npm is needed); and it holds one namespace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WIDGET_FILES = ("onduty.js", "index.html", "shop.css", "shop.js")
CONSOLE_FILES = ("console.js", "index.html", "console.css")


def source_tree(tmp_path: Path, *, widget_built: bool) -> Path:
    """What a clone holds (a clean one has no server/static/widget/); node_modules is linked, not installed."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "setup.py", "MANIFEST.in"):
        shutil.copy(ROOT / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", *(() if widget_built else ("static",)))
    for folder in ("shared", "server", "client"):
        shutil.copytree(ROOT / folder, src / folder, ignore=skip)
    shutil.copytree(ROOT / "widget", src / "widget", ignore=shutil.ignore_patterns("node_modules"))
    (src / "widget" / "node_modules").symlink_to(ROOT / "widget" / "node_modules", target_is_directory=True)
    return src


def pip_wheel(src: Path, out: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300, env=env,
    )


def without_npm(tmp_path: Path) -> dict[str, str]:
    """The environment with a PATH on which no npm (nor anything else) is found."""
    empty = tmp_path / "empty-path"
    empty.mkdir(exist_ok=True)
    return {**os.environ, "PATH": str(empty)}


@pytest.mark.slow
def test_wheel_holds_only_the_onduty_namespace(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    built = pip_wheel(source_tree(tmp_path, widget_built=True), out)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = out.glob("onduty-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {n.split("/")[0] for n in names}
    assert top == {"onduty", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    for module in (
        "onduty/shared/codec.py", "onduty/shared/messages/__init__.py", "onduty/shared/messages/registry.py",
        "onduty/server/core/router.py",
        "onduty/server/shell/app.py", "onduty/server/store/sqlite.py", "onduty/server/cli.py",
        "onduty/client/net/__init__.py", "onduty/client/loadgen/cli.py",
        *(f"onduty/server/static/widget/{name}" for name in WIDGET_FILES),
        *(f"onduty/server/static/console/{name}" for name in CONSOLE_FILES),
    ):
        assert module in names, module
    assert not any(n.startswith("onduty/__init__") for n in names)  # a namespace, shared with nobody
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "onduty-server = onduty.server.cli:main" in entry_points
    assert "onduty-loadgen = onduty.client.loadgen:main" in entry_points


@pytest.mark.slow
def test_an_sdist_of_a_clean_clone_carries_the_built_widget_and_installs_without_npm(tmp_path: Path) -> None:
    src = source_tree(tmp_path, widget_built=False)
    made = subprocess.run(
        [sys.executable, "-c", "from setuptools import build_meta; print(build_meta.build_sdist('dist'))"],
        cwd=src, capture_output=True, text=True, timeout=300,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    sdist = src / "dist" / made.stdout.split()[-1]
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        tar.extractall(tmp_path / "unpacked", filter="data")
    base = sdist.name.removesuffix(".tar.gz")
    for name in WIDGET_FILES:
        assert f"{base}/server/static/widget/{name}" in names, name
    assert f"{base}/widget/src/widget.js" in names  # the sources, to build it again
    assert not any("node_modules" in n for n in names)

    out = tmp_path / "wheel"
    built = pip_wheel(tmp_path / "unpacked" / base, out, env=without_npm(tmp_path))
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = out.glob("onduty-*.whl")
    assert "onduty/server/static/widget/onduty.js" in zipfile.ZipFile(wheel).namelist()


@pytest.mark.slow
def test_a_clean_clone_without_npm_says_what_to_install(tmp_path: Path) -> None:
    built = pip_wheel(source_tree(tmp_path, widget_built=False), tmp_path / "dist", env=without_npm(tmp_path))
    assert built.returncode != 0
    said = built.stdout + built.stderr
    assert "OnDuty's web widget is not built" in said and "npm was not found" in said
    assert "Install Node.js 18 or newer with npm" in said
