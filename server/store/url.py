"""Build the store a URL names: ``--store`` / ``ONDUTY_STORE`` / the ``store`` setting.

Supported: ``sqlite:///PATH`` -- the SQLite file at the absolute PATH (percent-escapes decoded;
``sqlite:///C:/data/onduty.sqlite3`` on Windows), optionally ``?synchronous=NORMAL`` to override
the ``sqlite_synchronous`` setting. Without a URL the store is the data folder's SQLite file.
PostgreSQL (``postgresql://...``) comes with the next issue; until then it is refused like any
scheme this release does not know.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

from onduty.server.config import ServerConfig
from onduty.server.store.base import Store
from onduty.server.store.errors import StoreUrlError

__all__ = ["SCHEMES", "StoreUrlError", "default_url", "open_store", "sqlite_url"]

SCHEMES = ("sqlite",)
_WINDOWS_DRIVE = re.compile(r"^/[A-Za-z]:[/\\]")


def sqlite_url(path: Path) -> str:
    """The URL of the SQLite file at ``path``."""
    text = path.expanduser().absolute().as_posix()
    return "sqlite:///" + urllib.parse.quote(text.lstrip("/"), safe="/:")


def default_url(config: ServerConfig) -> str:
    """``config.store`` if set, else the data folder's SQLite file (``config.db_path``)."""
    return config.store or sqlite_url(config.db_path)


def open_store(url: str, config: ServerConfig) -> Store:
    """The store ``url`` names, not yet opened (``await store.open()`` connects and migrates).

    StoreUrlError, with a message fit for the command line, for a malformed URL or an unknown scheme.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if not parts.scheme or "://" not in url:
        raise StoreUrlError(f"store {url!r} is not a URL; use sqlite:///PATH")
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        return _sqlite(url, parts, config)
    hint = " (PostgreSQL is not supported by this release yet)" if scheme.startswith("postgres") else ""
    raise StoreUrlError(f"store {url!r}: unknown scheme {scheme!r}{hint}; supported: {', '.join(SCHEMES)}")


def _sqlite(url: str, parts: urllib.parse.SplitResult, config: ServerConfig) -> Store:
    from onduty.server.store.sqlite import SqliteStore  # only the chosen implementation's driver is loaded

    if parts.netloc:
        raise StoreUrlError(f"store {url!r}: a SQLite URL names a file, sqlite:///PATH (three slashes), not a host")
    if parts.fragment:
        raise StoreUrlError(f"store {url!r}: a SQLite URL has no #fragment")
    path_text = urllib.parse.unquote(parts.path)
    if _WINDOWS_DRIVE.match(path_text):
        path_text = path_text[1:]
    if path_text in ("", "/") or path_text.endswith("/"):
        raise StoreUrlError(f"store {url!r}: no file name; use sqlite:///PATH")
    synchronous = config.sqlite_synchronous
    try:
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError as exc:
        raise StoreUrlError(f"store {url!r}: malformed query: {exc}") from exc
    for key, values in query.items():
        if key != "synchronous" or len(values) != 1:
            raise StoreUrlError(f"store {url!r}: unknown or repeated option {key!r} (only synchronous=...)")
        synchronous = values[0]
    try:
        return SqliteStore(Path(path_text), synchronous=synchronous)
    except ValueError as exc:
        raise StoreUrlError(f"store {url!r}: {exc}") from exc
