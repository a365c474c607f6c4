"""Server configuration: one frozen value built from defaults, a TOML file, env and flags.

Precedence (later wins): defaults < ``--config FILE`` (TOML, keys as below) < ``ONDUTY_*``
environment variables < command-line flags. Nothing reads configuration anywhere else.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from onduty.server.core.turn import ICE_SCHEMES


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("onduty", appauthor=False))


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8765
    data_dir: Path = field(default_factory=default_data_dir)
    allowed_origins: tuple[str, ...] = ()
    """Origins (``https://shop.example.com``) allowed on the requestor endpoint besides our own; ``*``: any.

    Each is compared exactly with the browser's ``Origin`` header, so it must be written as a browser
    sends it (:func:`check_origin`); in the environment the list is comma-separated."""
    heartbeat_s: float = 20.0
    max_frame: int = 64 * 1024
    outbox_frames: int = 2048
    """Frames queued for one peer before it counts as too slow and is disconnected."""
    max_bad_frames: int = 20
    ack_delay_s: float = 0.25
    """Acks are gathered this long and written once per chat and party (0: once per event-loop turn)."""
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
    callback_claim_s: float = 1800.0
    """A callback request an agent claimed and did not mark done within this goes back to open by itself."""
    default_max_wait_s: float = 120.0
    token_ttl_s: float = 7 * 24 * 3600.0
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    sqlite_synchronous: str = "FULL"
    event_loop: str = "asyncio"
    """``asyncio``, or ``uvloop`` where the optional ``uvloop`` package is installed (``pip install onduty[uvloop]``);
    see docs/performance.md for what it buys."""
    gc_full_interval_s: float = 300.0
    """Python's full garbage collections run on this timer while the server serves, instead of whenever the
    collector decides (each one stops the event loop for tens of milliseconds with many agents signed in;
    :mod:`onduty.server.collector`); 0: Python's own policy."""
    store: str = ""
    """Where everything durable is kept, as a URL (``sqlite:///PATH``); empty: the data folder's ``db_path``."""
    cluster: str = ""
    """Redis URL (``redis://HOST:PORT/DB``) of the cluster this node joins; empty: one process on its own.
    Needs a PostgreSQL ``store`` shared by the nodes (docs/it-rollout.md, "Several nodes")."""
    node_id: str = ""
    """This node's name in the cluster (shown by ``/healthz``); empty: the host name and port."""
    node_url: str = ""
    """How the other nodes reach this one (``http://10.0.0.11:8765``); empty: ``http://HOST:PORT`` with
    this machine's host name when ``host`` is a wildcard address."""
    lease_s: float = 4.0
    """How long the routing owner's lease lasts without renewal: a standby takes over at most this long
    after the owner died."""
    staffing_alert_after_s: float = 0.0
    """A queue inside its staffed hours with nobody On Duty this long gets a staffing alert (0: at once)."""
    unroutable_alert_after_s: float = 0.0
    """Someone On Duty but nobody able to take a chat this long is an alert too (0: no such alert)."""
    staffing_check_interval_s: float = 1.0
    """How often every queue's staffing is looked at (besides at once on each change)."""
    staffing_webhook_url: str = ""
    """Each staffing alert and its end is POSTed here as JSON (empty: no webhook)."""
    staffing_alert_email: str = ""
    """Each staffing alert and its end is mailed to this address (empty: no mail)."""
    console_session_ttl_s: float = 12 * 3600.0
    """How long a sign-in to the supervisor console lasts."""
    console_interval_s: float = 1.0
    """The console's picture is pushed this often."""
    console_figures_s: float = 10.0
    """The console's figures of the day (read from the store) are read again at most this often per queue."""
    cobrowse_off_queues: tuple[str, ...] = ()
    """Queues where co-browsing is refused (``*``: every queue); see docs/widget.md."""
    cobrowse_chars_per_s: float = 2_000_000.0
    """Recording one co-browse session may send per second on average (characters of ``cobrowse_data``)."""
    cobrowse_burst_chars: float = 16_000_000.0
    """... and at once (a full snapshot of a large page)."""
    cobrowse_viewer_backlog: int = 256
    """Frames queued for a co-browse viewer before it skips to the next full snapshot."""
    metrics_allow: tuple[str, ...] = ()
    voice_calls: bool = True
    """Requestors may ask for a voice call during a chat, agents may place one (docs/agent-app.md, "Voice calls")."""
    voice_queues: tuple[str, ...] = ()
    """The queues whose chats may have voice calls (empty: every queue, while ``voice_calls`` is on)."""
    ice_servers: tuple[str, ...] = ()
    """STUN and TURN servers for voice calls (``stun:turn.example.com:3478``, ``turn:turn.example.com:3478``,
    ``turns:turn.example.com:443?transport=tcp``), sent to both parties of a call; empty: host candidates only
    (enough on one network). TURN servers need ``turn_secret``."""
    turn_secret: str = ""
    """The secret shared with the TURN server (coturn ``static-auth-secret``): each party of a call gets
    credentials made from it, valid ``turn_ttl_s`` (docs/it-rollout.md, "Voice calls: coturn")."""
    ice_relay_only: bool = False
    """Calls go through the TURN servers only (neither party learns the other's addresses); needs a TURN server."""
    turn_ttl_s: float = 6 * 3600.0
    """How long the TURN credentials handed to a party stay valid (a call longer than this keeps its relay)."""
    """Addresses or networks (``10.0.5.7``, ``10.0.5.0/24``) that may scrape ``/metrics`` besides loopback."""

    def __post_init__(self) -> None:
        for origin in self.allowed_origins:
            check_origin(origin)
        if not self.lease_s > 0:
            raise ConfigError(f"lease_s: {self.lease_s!r} must be a positive number of seconds")
        if self.cluster and not self.cluster.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"cluster: {self.cluster!r} is not a Redis URL (redis://HOST:PORT/DB)")
        if self.event_loop not in EVENT_LOOPS:
            raise ConfigError(f"event_loop: {self.event_loop!r} is not one of {', '.join(EVENT_LOOPS)}")
        for url in self.ice_servers:
            if not url.startswith(ICE_SCHEMES) or len(url) > 256:
                raise ConfigError(f"ice_servers: {url!r} is not a stun:, stuns:, turn: or turns: URL")
        if any(u.startswith(("turn:", "turns:")) for u in self.ice_servers) and not self.turn_secret:
            raise ConfigError("ice_servers: TURN servers need turn_secret (the TURN server's static-auth-secret)")
        if self.ice_relay_only and not any(u.startswith(("turn:", "turns:")) for u in self.ice_servers):
            raise ConfigError("ice_relay_only: needs a TURN server in ice_servers")
        if not self.gc_full_interval_s >= 0:
            raise ConfigError(f"gc_full_interval_s: {self.gc_full_interval_s!r} must be 0 (Python's own policy) "
                              "or a positive number of seconds")
        if not self.turn_ttl_s > 0:
            raise ConfigError(f"turn_ttl_s: {self.turn_ttl_s!r} must be a positive number of seconds")
        for network in self.metrics_allow:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ConfigError(f"metrics_allow: {network!r} is not an IP address or network "
                                  "(e.g. 10.0.5.7 or 10.0.5.0/24)") from None

    @property
    def node(self) -> str:
        """This node's name: ``node_id``, else ``HOSTNAME:PORT``."""
        return self.node_id or f"{socket.gethostname()}:{self.port}"

    @property
    def internal_url(self) -> str:
        """``node_url``, else ``http://HOST:PORT`` (the host name for a wildcard ``host``)."""
        if self.node_url:
            return self.node_url.rstrip("/")
        host = socket.gethostname() if self.host in ("", "0.0.0.0", "::") else self.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

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
    """A configuration value is missing, unknown, of the wrong type or not in its format."""


EVENT_LOOPS = ("asyncio", "uvloop")


_FIELDS = {f.name: f for f in dataclasses.fields(ServerConfig)}

ORIGIN_FORMAT = "a comma-separated list of scheme://host[:port] (http or https), or *"
_ORIGIN = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>\[[0-9a-f:.]+\]|[^/:?#@\[\]]+)(?::(?P<port>[0-9]*))?")
_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_DEFAULT_PORT = {"http": 80, "https": 443}


def check_origin(origin: str, setting: str = "allowed_origins") -> str:
    """``origin`` if it is one a browser can send (``https://shop.example.com``, ``http://10.0.0.5:8080``)
    or ``*``; else :class:`ConfigError` saying what is wrong.

    The server compares origins as strings with the ``Origin`` header, which browsers serialise as
    lowercase ``scheme://host`` plus ``:port`` only when it is not the scheme's default; a value in
    any other spelling would never match, so it is refused rather than silently refusing every page."""
    if origin == "*":
        return origin

    def bad(reason: str) -> ConfigError:
        return ConfigError(f"{setting}: {origin!r} is not an origin: {reason}; expected {ORIGIN_FORMAT}")

    if origin[:1] in ('[', '"', "'"):
        raise bad("give the origins comma-separated, not as a JSON list or quoted")
    if any(c.isspace() for c in origin):
        raise bad("separate origins with commas, not spaces")
    if "," in origin:
        raise bad("one origin per list item")
    if origin != origin.lower():
        raise bad("write it in lowercase, as browsers send it")
    m = _ORIGIN.fullmatch(origin)
    if m is None:
        if "://" not in origin:
            raise bad("it needs a scheme, e.g. https://shop.example.com")
        raise bad("an origin has no user, path, query or fragment (not even a trailing /)")
    scheme, host, port = m["scheme"], m["host"], m["port"]
    if scheme not in _DEFAULT_PORT:
        raise bad("the scheme must be http or https")
    if not host.startswith("[") and not all(_LABEL.fullmatch(label) for label in host.split(".")):
        raise bad(f"{host!r} is not a host name (write a non-ASCII name in its xn-- form)")
    if port is not None:
        if not port.isdigit() or not 1 <= int(port) <= 65535 or port.startswith("0"):
            raise bad("the port must be a number from 1 to 65535")
        if int(port) == _DEFAULT_PORT[scheme]:
            raise bad(f"leave out the default port :{port} (browsers do)")
    return origin


def parse_origins(value: Any, setting: str = "allowed_origins") -> tuple[str, ...]:
    """``allowed_origins`` from a comma-separated string (environment, TOML) or a TOML array of strings.

    Blanks around each origin and empty items (a trailing comma) are dropped."""
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list | tuple) and all(isinstance(i, str) for i in value):
        items = list(value)
    else:
        raise ConfigError(f"{setting}: {value!r} is not {ORIGIN_FORMAT}")
    return tuple(check_origin(item.strip(), setting) for item in items if item.strip())


def _coerce(name: str, value: Any, setting: str | None = None) -> Any:
    """``value`` as the type of setting ``name``; ``setting`` names where it came from in an error."""
    if name == "allowed_origins":
        return parse_origins(value, setting or name)
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
        raise ConfigError(f"{setting or name}: {value!r} is not a valid {type(current).__name__}") from exc


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
            values[key] = _coerce(key, value, f"{config_file}: {key}")
    for key, value in (env if env is not None else os.environ).items():
        if key.startswith("ONDUTY_") and (name := key[7:].lower()) in _FIELDS:
            values[name] = _coerce(name, value, key)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = _coerce(key, value)
    return ServerConfig(**values)
