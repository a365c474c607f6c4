"""Server configuration: one frozen value built from defaults, a TOML file, env and flags.

Precedence (later wins): defaults < ``--config FILE`` (TOML, keys as below) < ``ONDUTY_*``
environment variables < command-line flags. Nothing reads configuration anywhere else.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("onduty", appauthor=False))


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    data_dir: Path = field(default_factory=default_data_dir)
    allowed_origins: tuple[str, ...] = ()
    """Origins (``https://shop.example.com``) allowed on the requestor endpoint besides our own."""
    heartbeat_s: float = 20.0
    max_frame: int = 64 * 1024
    outbox_frames: int = 2048
    """Frames queued for one peer before it counts as too slow and is disconnected."""
    max_bad_frames: int = 20
    queue_status_interval_s: float = 1.0
    """At most one ``queue_status`` per queue to its agents in this time (0: once per event-loop turn)."""
    requestor_rate_per_s: float = 20.0
    """Frames per second one requestor connection may send on average (0: no limit)."""
    requestor_rate_burst: int = 40
    max_file_bytes: int = 10 * 1024 * 1024
    file_types: tuple[str, ...] = (
        ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".txt", ".log", ".csv", ".json", ".xml", ".zip",
        ".docx", ".xlsx", ".pptx", ".odt", ".ods",
    )
    """File name extensions accepted for chat attachments (case-insensitive)."""
    public_url: str = ""
    """How requestors reach this server (``https://chat.example.com``), for links in e-mails; empty: ``http://host:port``."""
    smtp_host: str = ""
    """Mail server for messages to customers; empty: mails are written to the data folder's ``outbox/``."""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "OnDuty <onduty@localhost>"
    smtp_starttls: bool = True
    sla_warn_before_s: float = 900.0
    """Warn a case's owner and queue this long before an IRT/ORT target is breached."""
    agent_grace_s: float = 60.0
    requestor_grace_s: float = 60.0
    discussion_timeout_s: float = 60.0
    """A handover discussion nobody accepts within this comes back as "nobody available"."""
    default_max_wait_s: float = 120.0
    token_ttl_s: float = 7 * 24 * 3600.0
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    sqlite_synchronous: str = "FULL"
    store: str = ""
    """Where everything durable is kept, as a URL (``sqlite:///PATH``); empty: the data folder's ``db_path``."""

    @property
    def db_path(self) -> Path:
        return self.data_dir / "onduty.sqlite3"

    @property
    def outbox_dir(self) -> Path:
        """Mails to customers when no SMTP server is configured, one ``.eml`` file each."""
        return self.data_dir / "outbox"

    @property
    def files_dir(self) -> Path:
        """Uploaded files, outside anything served statically."""
        return self.data_dir / "files"


class ConfigError(ValueError):
    """A configuration value is missing, unknown or of the wrong type."""


_FIELDS = {f.name: f for f in dataclasses.fields(ServerConfig)}


def _coerce(name: str, value: Any) -> Any:
    default = ServerConfig()
    current = getattr(default, name)
    try:
        if isinstance(current, bool):
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
        if isinstance(current, int):
            return int(value)
        if isinstance(current, float):
            return float(value)
        if isinstance(current, Path):
            return Path(value).expanduser()
        if isinstance(current, tuple):
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(i).strip() for i in items if str(i).strip())
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: {value!r} is not a valid {type(current).__name__}") from exc


def load_config(
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ServerConfig:
    """Build the configuration; unknown keys in the file are an error, not ignored."""
    values: dict[str, Any] = {}
    if config_file is not None:
        try:
            data = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {config_file}: {exc}") from exc
        section = data.get("server", data)
        for key, value in section.items():
            if key not in _FIELDS:
                raise ConfigError(f"{config_file}: unknown setting {key!r}")
            values[key] = _coerce(key, value)
    for key, value in (env if env is not None else os.environ).items():
        if key.startswith("ONDUTY_") and (name := key[7:].lower()) in _FIELDS:
            values[name] = _coerce(name, value)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = _coerce(key, value)
    return ServerConfig(**values)
