"""The admin CLI: clear messages and exit codes for bad input, data where --data says."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from onduty.server.cli import _demo, main
from onduty.server.config import ServerConfig


def run(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def test_admin_commands_write_to_the_data_folder_given_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ONDUTY_ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("ONDUTY_ARGON2_TIME_COST", "1")
    data = str(tmp_path / "d")
    assert run(monkeypatch, "--data", data, "queue", "add", "cim-emea", "--region", "EMEA") == 0
    assert run(monkeypatch, "queue", "add", "cic", "--data", data, "--max-wait", "90") == 0
    assert run(monkeypatch, "--data", data, "agent", "add", "jdoe", "--queue", "cim-emea", "--queue", "cic",
               "--display-name", "Jane Doe", "--region", "EMEA", "--lob", "CIM", stdin="a good password\n") == 0
    capsys.readouterr()
    assert run(monkeypatch, "agent", "list", "--data", data) == 0
    assert "jdoe\tJane Doe\tEMEA\tCIM\tcim-emea,cic" in capsys.readouterr().out
    assert run(monkeypatch, "queue", "list", "--data", data) == 0
    assert "max_wait=90s" in capsys.readouterr().out
    assert (tmp_path / "d" / "onduty.sqlite3").exists()


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["agent", "add", "x1", "--queue", "nope", "--display-name", "X", "--region", "R", "--lob", "L"],
         "long enough pw\n", "unknown queue"),
        (["agent", "add", "x2", "--queue", "cic", "--display-name", "X", "--region", "R", "--lob", "L"],
         "short\n", "at least 8 characters"),
        (["queue", "add", "cic"], "", "exists"),
        (["queue", "add", "q2", "--max-wait", "0"], "", "must be positive"),
        (["agent", "passwd", "ghost"], "long enough pw\n", "no agent ghost"),
        (["canned", "add", "nope", "/ps-x", "text"], "", "unknown queue"),
        (["canned", "add", "cic", "ps-x", "-"], "   \n", "1 to 8000 characters"),
        (["canned", "remove", "cic", "ps-never"], "", "no /ps-never in cic"),
    ],
)
def test_bad_input_gets_one_clear_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: list[str], stdin: str, message: str,
) -> None:
    monkeypatch.setenv("ONDUTY_ARGON2_MEMORY_KIB", "64")
    data = str(tmp_path / "d")
    assert run(monkeypatch, "--data", data, "queue", "add", "cic") == 0
    capsys.readouterr()
    assert run(monkeypatch, "--data", data, *argv, stdin=stdin) == 2
    err = capsys.readouterr().err
    assert err.startswith("onduty-server: ") and message in err and err.count("\n") == 1


def test_canned_messages_are_added_edited_listed_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "d")
    assert run(monkeypatch, "--data", data, "queue", "add", "cic") == 0
    assert run(monkeypatch, "--data", data, "canned", "add", "cic", "/ps-gotocic", "Let me find CIC") == 0
    assert run(monkeypatch, "--data", data, "canned", "add", "cic", "ps-gotocic", "-", stdin="Edited\n") == 0
    capsys.readouterr()
    assert run(monkeypatch, "--data", data, "canned", "list") == 0
    assert capsys.readouterr().out == "cic\t/ps-gotocic\tEdited\n"
    assert run(monkeypatch, "--data", data, "canned", "remove", "cic", "/ps-gotocic") == 0
    capsys.readouterr()
    assert run(monkeypatch, "--data", data, "canned", "list", "--queue", "cic") == 0
    assert capsys.readouterr().out == ""


async def test_the_demo_prints_a_load_run_the_user_can_paste(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A newcomer runs scripts/run, where the commands are in .venv/bin and not on PATH: the hint names them there.

    await _demo(ServerConfig(data_dir=tmp_path, argon2_time_cost=1, argon2_memory_kib=64))
    out = capsys.readouterr().out
    bin_dir = Path(sys.executable).parent
    assert f"{bin_dir / 'onduty-server'} --data {tmp_path} loadgen-setup --agents 5" in out
    assert f"{bin_dir / 'onduty-loadgen'} --url ws://" in out
