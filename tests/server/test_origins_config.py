"""``allowed_origins``: the documented format is accepted, anything else stops the server at start.

A value the server cannot match (a JSON list, space-separated origins, a trailing slash...) used to
start without complaint and then refuse every page; now it is a :class:`ConfigError` that
``onduty-server`` prints as one line before exiting with status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from onduty.server import cli
from onduty.server.config import ConfigError, ServerConfig, check_origin, load_config


@pytest.mark.parametrize(
    ("value", "origins"),
    [
        ("https://shop.example.com", ("https://shop.example.com",)),
        ("https://a.example,https://b.example", ("https://a.example", "https://b.example")),
        (" https://a.example , http://b.example:8080 ,", ("https://a.example", "http://b.example:8080")),
        ("http://127.0.0.1:5173", ("http://127.0.0.1:5173",)),
        ("http://[::1]:8080", ("http://[::1]:8080",)),
        ("https://xn--bcher-kva.example", ("https://xn--bcher-kva.example",)),
        ("*", ("*",)),
        ("", ()),
    ],
)
def test_a_comma_separated_list_of_origins_is_accepted(value: str, origins: tuple[str, ...]) -> None:
    assert load_config(env={"ONDUTY_ALLOWED_ORIGINS": value}).allowed_origins == origins


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ('["https://a.example"]', "not as a JSON list"),
        ('["https://a.example", "https://b.example"]', "not as a JSON list"),
        ("https://a.example https://b.example", "not spaces"),
        ("https://a.example;https://b.example", "no user, path, query or fragment"),
        ("https://a.example/", "not even a trailing /"),
        ("https://a.example/shop", "no user, path"),
        ("https://a.example?x=1", "no user, path, query"),
        ("https://user@a.example", "no user"),
        ("shop.example.com", "needs a scheme"),
        ("null", "needs a scheme"),
        ("ftp://a.example", "http or https"),
        ("wss://a.example", "http or https"),
        ("HTTPS://A.example", "lowercase"),
        ("https://a.example:443", "default port :443"),
        ("http://a.example:80", "default port :80"),
        ("https://a.example:0", "1 to 65535"),
        ("https://a.example:65536", "1 to 65535"),
        ("https://a.example:", "1 to 65535"),
        ("https://bücher.example", "xn-- form"),
        ("https://a..example", "not a host name"),
        ("https://-a.example", "not a host name"),
    ],
)
def test_anything_else_is_refused_with_what_is_wrong(value: str, hint: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config(env={"ONDUTY_ALLOWED_ORIGINS": value})
    message = str(refused.value)
    assert message.startswith("ONDUTY_ALLOWED_ORIGINS: "), message
    assert hint in message, message
    assert "expected a comma-separated list of scheme://host[:port] (http or https), or *" in message


def test_the_config_file_takes_an_array_or_a_comma_separated_string(tmp_path: Path) -> None:
    file = tmp_path / "server.toml"
    file.write_text('[server]\nallowed_origins = ["https://a.example", "http://b.example:8080"]\n')
    assert load_config(file, env={}).allowed_origins == ("https://a.example", "http://b.example:8080")
    file.write_text('allowed_origins = "https://a.example, https://b.example"\n')
    assert load_config(file, env={}).allowed_origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize(
    ("toml", "hint"),
    [
        ('allowed_origins = ["https://a.example/"]', "trailing /"),
        ('allowed_origins = ["https://a.example,https://b.example"]', "one origin per list item"),
        ('allowed_origins = ["https://a.example", 5]', "is not a comma-separated list"),
        ("allowed_origins = 5", "is not a comma-separated list"),
    ],
)
def test_a_bad_value_in_the_config_file_names_the_file(tmp_path: Path, toml: str, hint: str) -> None:
    file = tmp_path / "server.toml"
    file.write_text(toml + "\n")
    with pytest.raises(ConfigError) as refused:
        load_config(file, env={})
    assert str(refused.value).startswith(f"{file}: allowed_origins: ")
    assert hint in str(refused.value)


def test_the_environment_wins_over_the_file_and_is_checked_too(tmp_path: Path) -> None:
    file = tmp_path / "server.toml"
    file.write_text('allowed_origins = ["https://a.example"]\n')
    assert load_config(file, env={"ONDUTY_ALLOWED_ORIGINS": "https://b.example"}).allowed_origins == (
        "https://b.example",
    )
    with pytest.raises(ConfigError, match=r"^ONDUTY_ALLOWED_ORIGINS: "):
        load_config(file, env={"ONDUTY_ALLOWED_ORIGINS": "https://b.example/"})


def test_a_config_built_in_code_is_checked_as_well() -> None:
    assert ServerConfig(allowed_origins=("https://a.example", "*")).allowed_origins == ("https://a.example", "*")
    with pytest.raises(ConfigError, match=r"^allowed_origins: 'https://a\.example/' is not an origin"):
        ServerConfig(allowed_origins=("https://a.example/",))
    assert check_origin("http://localhost:8765") == "http://localhost:8765"


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[ServerConfig]:
    """``onduty-server run`` without a server: the config it would start with, if it got that far."""
    configs: list[ServerConfig] = []

    def make_app(config: ServerConfig) -> web.Application:
        configs.append(config)
        return web.Application()

    def run_app(app: web.Application, **kwargs: Any) -> None:
        assert configs, "run_app without make_app"

    monkeypatch.setattr(cli, "make_app", make_app)
    monkeypatch.setattr(web, "run_app", run_app)
    monkeypatch.setattr(cli, "configure_logging", lambda level: None)
    for key in ("ONDUTY_ALLOWED_ORIGINS", "ONDUTY_HOST", "ONDUTY_PORT"):
        monkeypatch.delenv(key, raising=False)
    return configs


@pytest.mark.parametrize("value", ['["https://shop.example.com"]', "https://a.example https://b.example"])
def test_onduty_server_run_refuses_to_start_with_a_bad_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    started: list[ServerConfig], value: str,
) -> None:
    monkeypatch.setenv("ONDUTY_ALLOWED_ORIGINS", value)
    assert cli.main(["--data", str(tmp_path / "d"), "run"]) == 2
    assert started == []
    err = capsys.readouterr().err
    assert err.startswith(f"onduty-server: ONDUTY_ALLOWED_ORIGINS: {value!r} is not an origin: "), err
    assert err.count("\n") == 1


def test_onduty_server_run_refuses_a_bad_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], started: list[ServerConfig]
) -> None:
    file = tmp_path / "server.toml"
    file.write_text('[server]\nallowed_origins = ["https://shop.example.com/"]\n')
    assert cli.main(["--data", str(tmp_path / "d"), "--config", str(file), "run"]) == 2
    assert started == []
    assert capsys.readouterr().err.startswith(f"onduty-server: {file}: allowed_origins: ")


def test_onduty_server_run_starts_with_the_documented_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[ServerConfig]
) -> None:
    monkeypatch.setenv("ONDUTY_ALLOWED_ORIGINS", "https://shop.example.com,http://localhost:5173")
    assert cli.main(["--data", str(tmp_path / "d"), "run"]) == 0
    assert [c.allowed_origins for c in started] == [("https://shop.example.com", "http://localhost:5173")]


def test_the_event_loop_is_asyncio_or_uvloop() -> None:
    assert load_config(env={}).event_loop == "asyncio"
    assert load_config(env={"ONDUTY_EVENT_LOOP": "uvloop"}).event_loop == "uvloop"
    with pytest.raises(ConfigError, match="event_loop"):
        load_config(env={"ONDUTY_EVENT_LOOP": "trio"})
