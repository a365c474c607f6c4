"""The wheel installs one namespace, ``onduty``, and nothing generic into site-packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_holds_only_the_onduty_namespace(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in ("shared", "server", "client"):
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=300,
    )
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
    ):
        assert module in names, module
    assert not any(n.startswith("onduty/__init__") for n in names)  # a namespace, shared with nobody
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "onduty-server = onduty.server.cli:main" in entry_points
    assert "onduty-loadgen = onduty.client.loadgen:main" in entry_points
