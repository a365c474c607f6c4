"""``onduty-server agent add --role`` and ``agent role``: stored, listed, bad combinations refused."""

from __future__ import annotations

import io

import pytest

from onduty.server.cli import main

PW = "a good password\n"


def run(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


@pytest.fixture
def data(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ONDUTY_ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("ONDUTY_ARGON2_TIME_COST", "1")
    d = f"{tmp_path}/d"
    for q in ("cim-apj", "cim-emea"):
        assert run(monkeypatch, "--data", d, "queue", "add", q) == 0
    return d


def test_supervisor_added_listed_and_changed(data: str, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, "--data", data, "agent", "add", "lead", "--queue", "cim-apj", "--display-name", "Lee",
               "--region", "APJ", "--lob", "CIM", "--role", "supervisor", "--supervises", "cim-apj",
               "--supervises", "cim-emea", stdin=PW) == 0
    assert "supervisor of cim-apj, cim-emea" in capsys.readouterr().out
    assert run(monkeypatch, "--data", data, "agent", "list") == 0
    assert "role=supervisor\tsupervises=cim-apj,cim-emea" in capsys.readouterr().out
    assert run(monkeypatch, "--data", data, "agent", "role", "lead", "--role", "admin") == 0
    assert "lead is now, admin (supervises every queue)" in capsys.readouterr().out
    assert run(monkeypatch, "--data", data, "agent", "list") == 0
    out = capsys.readouterr().out
    assert "role=admin" in out
    assert "supervises=" not in out
    assert run(monkeypatch, "--data", data, "agent", "role", "lead", "--role", "agent") == 0
    assert "lead is now an agent" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["agent", "role", "ghost", "--role", "admin"], "no agent ghost"),
    (["agent", "role", "ann", "--role", "supervisor"], "at least one queue"),
    (["agent", "role", "ann", "--role", "agent", "--supervises", "cim-apj"], "only a supervisor"),
    (["agent", "role", "ann", "--role", "supervisor", "--supervises", "nope"], "unknown queue"),
])
def test_bad_roles_get_one_line_and_exit_2(data: str, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert run(monkeypatch, "--data", data, "agent", "add", "ann", "--queue", "cim-apj", "--display-name", "Ann",
               "--region", "APJ", "--lob", "CIM", stdin=PW) == 0
    capsys.readouterr()
    assert run(monkeypatch, "--data", data, *argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_queue_hours_set_listed_and_refused(data: str, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, "--data", data, "queue", "hours", "cim-apj", "mon-fri 08:00-20:00",
               "--tz", "Asia/Singapore") == 0
    assert "cim-apj staffed: mon-fri 08:00-20:00 (Asia/Singapore)" in capsys.readouterr().out
    assert run(monkeypatch, "--data", data, "queue", "list") == 0
    out = capsys.readouterr().out
    assert "staffed=mon-fri 08:00-20:00 (Asia/Singapore)" in out
    assert "staffed=24x7" in out  # cim-emea, never set
    assert run(monkeypatch, "--data", data, "queue", "hours", "cim-apj", "mon 8-9") == 2
    assert "is not a time of day" in capsys.readouterr().err
    assert run(monkeypatch, "--data", data, "queue", "hours", "cim-apj", "24x7", "--tz", "Nowhere/Land") == 2
    assert "unknown time zone" in capsys.readouterr().err


def test_queue_goal_set_listed_and_refused(data: str, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert run(monkeypatch, "--data", data, "queue", "goal", "cim-apj", "--target-s", "30",
               "--service-level", "0.9") == 0
    assert "cim-apj goal: 90% within 30s" in capsys.readouterr().out
    assert run(monkeypatch, "--data", data, "queue", "list") == 0
    out = capsys.readouterr().out
    assert "goal=90% within 30s" in out
    assert "goal=80% within 20s" in out  # cim-emea, never set
    assert run(monkeypatch, "--data", data, "queue", "goal", "cim-apj", "--target-s", "30",
               "--service-level", "90") == 2
    assert "a fraction between 0 and 1" in capsys.readouterr().err
    assert run(monkeypatch, "--data", data, "queue", "goal", "cim-apj", "--target-s", "0",
               "--service-level", "0.8") == 2
    assert "more than 0" in capsys.readouterr().err
    assert run(monkeypatch, "--data", data, "queue", "goal", "nope", "--target-s", "20",
               "--service-level", "0.8") == 2
    assert "nope" in capsys.readouterr().err
