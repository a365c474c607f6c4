"""Build the store a URL names: ``--store`` / ``ONDUTY_STORE`` / the ``store`` setting.

Supported: ``sqlite:///PATH`` -- the SQLite file at the absolute PATH (percent-escapes decoded;
``sqlite:///C:/data/onduty.sqlite3`` on Windows), optionally ``?synchronous=NORMAL`` to override
the ``sqlite_synchronous`` setting. Without a URL the store is the data folder's SQLite file.

``postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?PARAM=VALUE...]`` (or ``postgres://``) -- the PostgreSQL
database DB; the URL is libpq's, so its parameters (``sslmode``, ``connect_timeout``, ``options``...)
and a password file (``~/.pgpass``, ``PGPASSFILE``) work as for psql. Needs the driver: ``pip install
onduty[postgres]``.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

from onduty.server.config import ServerConfig
from onduty.server.store.base import Store
from onduty.server.store.errors import StoreUrlError

__all__ = ["SCHEMES", "StoreUrlError", "default_url", "open_store", "redact", "sqlite_url"]

SCHEMES = ("sqlite", "postgresql")
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
        raise StoreUrlError(f"store {url!r} is not a URL; use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        return _sqlite(url, parts, config)
    if scheme in ("postgresql", "postgres"):
        return _postgresql(url.strip(), parts)
    raise StoreUrlError(f"store {url!r}: unknown scheme {scheme!r}; supported: {', '.join(SCHEMES)}")


def _postgresql(url: str, parts: urllib.parse.SplitResult) -> Store:
    shown = redact(url)
    if parts.fragment:
        raise StoreUrlError(f"store {shown!r}: a PostgreSQL URL has no #fragment")
    if parts.path.strip("/") == "":
        raise StoreUrlError(f"store {shown!r}: name the database, postgresql://USER@HOST:PORT/DB")
    try:
        from onduty.server.store.pg import PostgresStore  # only the chosen implementation's driver is loaded
    except ImportError as exc:
        raise StoreUrlError(f"store {shown!r}: the PostgreSQL driver is not installed ({exc.name}); "
                            "install it with: pip install 'onduty[postgres]'") from exc
    try:
        return PostgresStore(url)
    except Exception as exc:  # psycopg.ProgrammingError for a URL libpq cannot parse
        raise StoreUrlError(f"store {shown!r}: {str(exc).strip()}") from exc


def redact(url: str) -> str:
    """``url`` without the password it may carry (for messages and logs)."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


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
