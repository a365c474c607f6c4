"""Command-line arguments are text from outside too: a non-UTF-8 argument (lone surrogates after
Python's surrogateescape), NUL or a line break gets one line and exit status 2, never a traceback."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from onduty.server.cli import main

BAD = "caf\udce9"  # what Python makes of the argument bytes b"caf\xe9"


@pytest.mark.parametrize("argv", [
    ["queue", "add", "q1", "--title", BAD],
    ["queue", "add", "q1", "--region", "EMEA\nx"],
    ["queue", "add", "q1\n"],
    ["agent", "add", "x1", "--queue", "cic", "--display-name", BAD, "--region", "R", "--lob", "L"],
    ["agent", "add", "x1", "--queue", "cic", "--display-name", "X", "--region", "R", "--lob", "L", "--email", BAD],
    ["canned", "add", "cic", "ps-x", f"hello {BAD}"],
    ["sla", "hours", BAD, "--24x7"],
    ["sla", "holiday-add", "EMEA", "2027-12-25", "--name", BAD],
    ["sla", "target", BAD, "irt", "high", "1"],
    ["sla", "show", "cic\x00"],
])
def test_a_bad_argument_is_refused_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
) -> None:
    data = ["--data", str(tmp_path / "d")]
    assert main([*data, "queue", "add", "cic"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough pw\n"))
    with pytest.raises(SystemExit) as exit_:
        main([*data, *argv])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument" in err and "Traceback" not in err


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (["canned", "add", "cic", "ps-x", "-"], f"hello {BAD}\n", "not valid Unicode"),
    (["canned", "add", "cic", "ps-x", "-"], "nul \x00\n", "NUL"),
    (["agent", "add", "x1", "--queue", "cic", "--display-name", "X", "--region", "R", "--lob", "L"],
     f"password {BAD}\n", "not valid Unicode"),
])
def test_bad_standard_input_is_refused_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: list[str], stdin: str, message: str,
) -> None:
    monkeypatch.setenv("ONDUTY_ARGON2_MEMORY_KIB", "64")
    data = ["--data", str(tmp_path / "d")]
    assert main([*data, "queue", "add", "cic"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main([*data, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("onduty-server: ") and message in err and err.count("\n") == 1
