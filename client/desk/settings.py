"""The agent app's settings: one frozen value built from four layers.

Later layers win: defaults < the system preset IT deploys < the user's own config file <
command-line flags. The preset can lock the server address (``lock_server = true``); a locked
address wins over every other layer, so users never type or change it. Files are TOML, keys at
the top level or under ``[agent]``.
"""

from __future__ import annotations

import logging
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

log = logging.getLogger(__name__)

DEFAULT_SERVER = "ws://127.0.0.1:8765"
DEFAULT_GREETING = "Hello, I am {name} from {team} {region}, how can I help you?"


class SettingsError(Exception):
    """A settings file exists but cannot be read or has a value of the wrong type."""


@dataclass(frozen=True, slots=True)
class Settings:
    server: str = DEFAULT_SERVER
    """The server's address, ``ws://host:port`` (``wss://`` behind TLS), or several comma-separated
    (a cluster's nodes, tried in turn: :func:`~onduty.client.desk.address.split_servers`)."""
    user: str = ""
    """The agent's username, remembered for the sign-in dialog."""
    greeting: str = DEFAULT_GREETING
    """Template with ``{name}`` (display name), ``{team}`` (line of business) and ``{region}``."""
    auto_greeting: bool = False
    """Send the greeting by itself as soon as a chat window opens."""
    notifications: bool = True
    """Desktop notification when a chat is assigned."""
    server_locked: bool = False
    """Set by the preset's ``lock_server``: the server address cannot be changed here."""
    microphone: str = ""
    """The microphone for voice calls, by its name as Settings lists it; empty: the system's default."""
    speaker: str = ""
    """The speaker or headset for voice calls, by name; empty: the system's default."""


USER_KEYS = ("server", "user", "greeting", "auto_greeting", "notifications", "microphone", "speaker")
"""What the user's own file (and the settings dialog) may set."""
PRESET_KEYS = (*USER_KEYS, "lock_server")


@dataclass(frozen=True, slots=True)
class Flags:
    """What the command line gave (``None``: not given)."""

    server: str | None = None
    user: str | None = None


@dataclass(frozen=True, slots=True)
class SettingsPaths:
    user_file: Path
    preset_file: Path

    @property
    def places_file(self) -> Path:
        """Where the chat windows' last place is kept: beside the user's settings."""
        return self.user_file.with_name("windows.json")

    @classmethod
    def for_platform(cls, platform: str = sys.platform) -> SettingsPaths:
        return cls(user_file=user_config_file(), preset_file=preset_file(platform))


def user_config_file() -> Path:
    return platformdirs.user_config_path("onduty", appauthor=False) / "agent.toml"


def preset_file(platform: str = sys.platform) -> Path:
    """Where IT deploys the system-wide preset on each platform."""
    if platform.startswith("win"):
        return platformdirs.site_config_path("OnDuty", appauthor=False) / "agent.toml"  # C:\\ProgramData\\OnDuty
    if platform == "darwin":
        return Path("/Library/Application Support/OnDuty/agent.toml")
    return Path("/etc/onduty/agent.toml")


def read_toml(path: Path) -> dict[str, Any]:
    """The file's settings (the ``[agent]`` table if present); an absent file is empty."""
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: {exc}") from exc
    agent = data.get("agent")
    return dict(agent) if isinstance(agent, dict) else data


def _checked(layer: Mapping[str, Any], allowed: tuple[str, ...], source: str) -> dict[str, Any]:
    types = {f.name: type(getattr(Settings(), f.name)) for f in fields(Settings)}
    types["lock_server"] = bool
    out: dict[str, Any] = {}
    for key, value in layer.items():
        if key not in allowed:
            log.warning("%s: ignoring unknown setting %r", source, key)
            continue
        if not isinstance(value, types[key]):
            raise SettingsError(f"{source}: {key} must be a {types[key].__name__}")
        out[key] = value
    return out


def resolve(
    flags: Flags, user: Mapping[str, Any], preset: Mapping[str, Any], *, user_source: str = "user settings",
    preset_source: str = "preset",
) -> Settings:
    """Merge the layers (see the module docstring)."""
    preset_values = _checked(preset, PRESET_KEYS, preset_source)
    locked = bool(preset_values.pop("lock_server", False))
    merged: dict[str, Any] = {**preset_values, **_checked(user, USER_KEYS, user_source)}
    merged.update({k: v for k, v in (("server", flags.server), ("user", flags.user)) if v is not None})
    if locked and "server" in preset_values:
        if merged.get("server") != preset_values["server"]:
            log.warning("the server address is fixed by %s; ignoring %r", preset_source, merged.get("server"))
        merged["server"] = preset_values["server"]
    else:
        locked = False
    return replace(Settings(), server_locked=locked, **merged)


def load(flags: Flags, paths: SettingsPaths) -> Settings:
    return resolve(
        flags, read_toml(paths.user_file), read_toml(paths.preset_file),
        user_source=str(paths.user_file), preset_source=str(paths.preset_file),
    )


def save_user(settings: Settings, path: Path) -> None:
    """Write the user-settable values; a locked server address is not copied into the user's file."""
    lines = ["# OnDuty agent settings (written by the app; flags and a locked preset win over these)", "[agent]"]
    for key in USER_KEYS:
        if key == "server" and settings.server_locked:
            continue
        lines.append(f"{key} = {_toml_value(getattr(settings, key))}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'
