"""``onduty-server sla``: business hours, holidays and targets from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from onduty.server.cli import main


def test_sla_settings_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data", str(tmp_path / "d")]
    assert main([*data, "queue", "add", "cim-emea", "--region", "EMEA"]) == 0
    assert main([*data, "sla", "hours", "EMEA", "mon-fri 08:00-18:00", "--tz", "Europe/Paris"]) == 0
    assert main([*data, "sla", "holiday-add", "EMEA", "2027-12-25", "--name", "Christmas"]) == 0
    assert main([*data, "sla", "target", "cim-emea", "irt", "very_high", "0.5"]) == 0
    assert main([*data, "sla", "target", "*", "ort", "low", "10", "--business-days"]) == 0
    capsys.readouterr()
    assert main([*data, "sla", "show", "cim-emea"]) == 0
    out = capsys.readouterr().out
    assert "hours: mon 08:00-18:00; tue 08:00-18:00" in out and "(Europe/Paris)" in out
    assert "holiday: 2027-12-25" in out
    assert "irt\tvery_high\t0.5 h\n" in out
    assert "ort\tlow\t10 business days\n" in out
    assert "irt\thigh\t4 h (default)" in out
    assert main([*data, "sla", "hours", "EMEA", "--24x7"]) == 0
    assert main([*data, "sla", "holiday-remove", "EMEA", "2027-12-25"]) == 0


@pytest.mark.parametrize(("argv", "message"), [
    (["sla", "hours", "EMEA", "mon 9-17"], "HH:MM"),
    (["sla", "hours", "EMEA", "mon 09:00-17:00", "--tz", "Nowhere/City"], "time zone"),
    (["sla", "hours", "EMEA"], "--24x7"),
    (["sla", "target", "nope", "irt", "high", "1"], "unknown queue"),
    (["sla", "target", "*", "irt", "high", "0"], "positive"),
    (["sla", "holiday-remove", "EMEA", "2027-01-01"], "no holiday"),
])
def test_bad_sla_settings_get_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str,
) -> None:
    assert main(["--data", str(tmp_path / "d"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
