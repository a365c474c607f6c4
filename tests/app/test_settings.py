"""Settings layers: flags > user file > system preset > defaults; a locked preset fixes the server."""

from __future__ import annotations

from pathlib import Path

import pytest

from onduty.client.desk.settings import (
    DEFAULT_SERVER,
    Flags,
    Settings,
    SettingsError,
    SettingsPaths,
    load,
    preset_file,
    resolve,
    save_user,
)


def test_defaults_when_nothing_is_set(paths: SettingsPaths) -> None:
    assert load(Flags(), paths) == Settings()
    assert Settings().server == DEFAULT_SERVER


def test_each_layer_wins_over_the_ones_below(paths: SettingsPaths) -> None:
    paths.preset_file.parent.mkdir(parents=True)
    paths.preset_file.write_text('[agent]\nserver = "ws://preset:1"\nuser = "p"\nauto_greeting = true\n')
    assert load(Flags(), paths).server == "ws://preset:1"
    paths.user_file.parent.mkdir(parents=True)
    paths.user_file.write_text('server = "ws://user:2"\nuser = "u"\n')
    merged = load(Flags(), paths)
    assert (merged.server, merged.user, merged.auto_greeting) == ("ws://user:2", "u", True)
    flagged = load(Flags(server="ws://flag:3", user="f"), paths)
    assert (flagged.server, flagged.user, flagged.auto_greeting) == ("ws://flag:3", "f", True)
    assert not flagged.server_locked


def test_a_locked_preset_fixes_the_server_over_user_file_and_flags() -> None:
    preset = {"server": "wss://onduty.corp:443", "lock_server": True}
    settings = resolve(Flags(server="ws://elsewhere:1", user="me"), {"server": "ws://mine:2"}, preset)
    assert settings.server == "wss://onduty.corp:443"
    assert settings.server_locked
    assert settings.user == "me"


def test_lock_without_an_address_locks_nothing() -> None:
    assert not resolve(Flags(), {}, {"lock_server": True}).server_locked


def test_users_cannot_lock_and_types_are_checked() -> None:
    assert not resolve(Flags(), {"lock_server": True}, {}).server_locked  # ignored with a warning
    with pytest.raises(SettingsError, match="auto_greeting"):
        resolve(Flags(), {"auto_greeting": "yes"}, {})


def test_broken_file_is_an_error(paths: SettingsPaths) -> None:
    paths.user_file.parent.mkdir(parents=True)
    paths.user_file.write_text("server = \n")
    with pytest.raises(SettingsError, match=str(paths.user_file.name)):
        load(Flags(), paths)


def test_save_round_trips_and_never_copies_a_locked_server(paths: SettingsPaths) -> None:
    settings = Settings(server="ws://x:1", user="ann", greeting='Hi "there"\\ {name}', auto_greeting=True)
    save_user(settings, paths.user_file)
    assert load(Flags(), paths) == settings
    save_user(Settings(server="wss://corp", server_locked=True, user="ann"), paths.user_file)
    assert "server" not in paths.user_file.read_text().replace("# OnDuty agent settings", "")


def test_preset_locations_per_platform() -> None:
    assert preset_file("linux") == Path("/etc/onduty/agent.toml")
    assert preset_file("darwin") == Path("/Library/Application Support/OnDuty/agent.toml")
    assert preset_file("win32").name == "agent.toml"
    assert "OnDuty" in preset_file("win32").parts
