"""Building the store from a URL: ``open_store``, the ``store`` setting, ``--store`` and ``ONDUTY_STORE``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from onduty.server.cli import main
from onduty.server.config import ServerConfig, load_config
from onduty.server.shell.app import SHELL, make_app
from onduty.server.store import StoreError, StoreUrlError, open_store
from onduty.server.store.sqlite import SqliteStore
from onduty.server.store.url import default_url, sqlite_url


def test_a_sqlite_url_names_a_file(tmp_path: Path) -> None:
    path = tmp_path / "with space" / "on duty.db"
    url = sqlite_url(path)
    assert url.startswith("sqlite:///") and " " not in url
    store = open_store(url, ServerConfig(data_dir=tmp_path))
    assert isinstance(store, SqliteStore)
    assert store._path == path
    assert store._synchronous == "FULL"
    assert open_store(url + "?synchronous=normal", ServerConfig())._synchronous == "NORMAL"  # type: ignore[attr-defined]
    assert open_store(url, ServerConfig(sqlite_synchronous="NORMAL"))._synchronous == "NORMAL"  # type: ignore[attr-defined]


def test_a_windows_path_keeps_its_drive() -> None:
    store = open_store("sqlite:///C:/data/onduty.sqlite3", ServerConfig())
    assert isinstance(store, SqliteStore)
    assert store._path.as_posix() == "C:/data/onduty.sqlite3"


def test_the_default_is_the_data_folders_file(tmp_path: Path) -> None:
    config = ServerConfig(data_dir=tmp_path)
    store = open_store(default_url(config), config)
    assert isinstance(store, SqliteStore)
    assert store._path == config.db_path
    assert default_url(ServerConfig(store="sqlite:///elsewhere.db")) == "sqlite:///elsewhere.db"


def test_the_setting_comes_from_onduty_store() -> None:
    assert load_config(env={"ONDUTY_STORE": "sqlite:///srv/onduty.db"}).store == "sqlite:///srv/onduty.db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "not a URL"),
        ("/var/lib/onduty.db", "not a URL"),
        ("sqlite:onduty.db", "not a URL"),
        ("mysql://db/onduty", "unknown scheme 'mysql'"),
        ("postgresql://db", "name the database"),
        ("postgresql://u:secret@db/", "name the database"),
        ("postgresql://db/onduty#x", "no #fragment"),
        ("postgresql://db/onduty?nosuchparameter=1", "nosuchparameter"),
        ("sqlite://host/onduty.db", "three slashes"),
        ("sqlite:///", "no file name"),
        ("sqlite:///var/lib/", "no file name"),
        ("sqlite:///x.db?journal=off", "unknown or repeated option 'journal'"),
        ("sqlite:///x.db?synchronous=sometimes", "synchronous must be one of"),
        ("sqlite:///x.db#frag", "no #fragment"),
    ],
)
def test_bad_urls_are_refused_with_a_clear_message(url: str, message: str) -> None:
    with pytest.raises(StoreUrlError, match=message) as refused:
        open_store(url, ServerConfig())
    assert isinstance(refused.value, StoreError)


def test_make_app_builds_its_store_from_the_setting(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "chat.db"
    app = make_app(ServerConfig(data_dir=tmp_path / "data", store=sqlite_url(target)))
    assert SHELL not in app  # built, not opened: the store opens with the app
    with pytest.raises(StoreUrlError):
        make_app(ServerConfig(data_dir=tmp_path / "data", store="redis://x"))


def _run(monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    return main(list(argv))


def test_every_admin_command_takes_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "elsewhere" / "chat.db"
    data = str(tmp_path / "data")
    assert _run(monkeypatch, "--data", data, "queue", "add", "q1", "--store", sqlite_url(target)) == 0
    assert target.exists()
    assert not (tmp_path / "data" / "onduty.sqlite3").exists()
    monkeypatch.setenv("ONDUTY_STORE", sqlite_url(target))
    capsys.readouterr()
    assert _run(monkeypatch, "--data", data, "queue", "list") == 0
    assert capsys.readouterr().out.startswith("q1\t")
    assert _run(monkeypatch, "--data", data, "sla", "show", "q1") == 0


def test_a_bad_store_url_exits_non_zero_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(monkeypatch, "--data", str(tmp_path), "--store", "nosql://x", "queue", "list") == 2
    err = capsys.readouterr().err
    assert err.startswith("onduty-server: store 'nosql://x': unknown scheme 'nosql'") and err.count("\n") == 1
    monkeypatch.setattr("onduty.server.cli.configure_logging", lambda level: None)  # keeps pytest's handlers
    assert _run(monkeypatch, "run", "--data", str(tmp_path), "--store", "sqlite://h/x.db") == 2
    assert "three slashes" in capsys.readouterr().err
