"""The walls of the agent app's layout: Qt is imported in one package, the desk imports no Qt at all,
and every package folder is installed.

These read the sources (and, for the desk, import it in a fresh interpreter with PySide6 blocked), so a
new module that takes a shortcut around ``onduty.client.app.qt`` fails here rather than in review.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "client"
QT_OWNER = CLIENT / "app" / "qt"
QT_ROOTS = {"PySide6", "shiboken6", "qasync"}


def imported_roots(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, wherever the import statement stands."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_the_qt_package_imports_pyside6_shiboken6_or_qasync() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & QT_ROOTS)
        for path in sorted(CLIENT.rglob("*.py"))
        if QT_OWNER not in path.parents and imported_roots(path) & QT_ROOTS
    }
    assert offenders == {}, "import Qt names from onduty.client.app.qt instead"


def test_the_qt_package_imports_nothing_of_the_app() -> None:
    # It re-exports Qt and nothing else, so any module can import it without a cycle.
    for path in sorted(QT_OWNER.glob("*.py")):
        assert "onduty" not in imported_roots(path), path.name


def test_the_wall_check_sees_lazy_and_aliased_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    import qasync as q\n    from PySide6 import QtCore\n"
                      "    import shiboken6.Shiboken\n")
    assert imported_roots(sample) >= QT_ROOTS


def test_the_desk_imports_without_qt() -> None:
    # A fresh interpreter, so nothing this test session imported counts; None in sys.modules makes any
    # import of PySide6 (or qasync, or shiboken6) raise ImportError.
    modules = sorted(p.stem for p in (CLIENT / "desk").glob("*.py") if p.stem != "__init__")
    code = (
        "import importlib, sys\n"
        f"for name in {sorted(QT_ROOTS)!r}:\n"
        "    sys.modules[name] = None\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module('onduty.client.desk.' + m)\n"
        f"loaded = sorted(n for n in sys.modules if n.split('.')[0] in {sorted(QT_ROOTS)!r}"
        " and sys.modules[n] is not None)\n"
        "assert not loaded, loaded\n"
        "print(len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(modules) >= 8


def test_blocking_pyside6_does_block_the_app() -> None:
    # The check above proves something only if a blocked PySide6 really stops a Qt module from importing.
    code = "import sys\nsys.modules['PySide6'] = None\nimport onduty.client.app.tray.tray\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "PySide6" in result.stderr


def test_every_client_package_is_in_the_wheel_list() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {
        "onduty." + ".".join(init.parent.relative_to(ROOT).parts): init.parent.relative_to(ROOT).as_posix()
        for init in CLIENT.rglob("__init__.py")
    }
    assert set(folders) <= set(setuptools["packages"])
    assert {name: setuptools["package-dir"][name] for name in folders} == folders
