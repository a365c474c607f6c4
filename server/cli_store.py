"""``onduty-server store copy``: move a team's data from its SQLite file into PostgreSQL.

Hooked into :mod:`onduty.server.cli`; refusals and failures are StoreErrors (one line, exit 2).
"""

from __future__ import annotations

import argparse
import urllib.parse
from pathlib import Path

from onduty.server.store.errors import StoreUrlError
from onduty.server.store.url import redact


def add_store_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    store = sub.add_parser("store", parents=[common], help="move data between stores")
    actions = store.add_subparsers(dest="action", required=True)
    cp = actions.add_parser("copy", parents=[common],
                            help="copy everything from a SQLite file into an empty PostgreSQL database")
    cp.add_argument("--from", dest="source", required=True, metavar="sqlite:///PATH")
    cp.add_argument("--to", dest="target", required=True, metavar="postgresql://USER@HOST:PORT/DB")
    cp.add_argument("--replace", action="store_true", help="empty a target that already holds data first")


def _sqlite_path(url: str) -> Path:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "sqlite" or parts.netloc or not parts.path.strip("/"):
        raise StoreUrlError(f"--from {url!r}: give the SQLite file as sqlite:///PATH")
    return Path(urllib.parse.unquote(parts.path))


async def store_command(args: argparse.Namespace) -> None:
    source = _sqlite_path(args.source)
    if urllib.parse.urlsplit(args.target).scheme not in ("postgresql", "postgres"):
        raise StoreUrlError(f"--to {redact(args.target)!r}: give the database as postgresql://USER@HOST:PORT/DB")
    try:
        from onduty.server.store.pg_copy import copy
    except ImportError as exc:
        raise StoreUrlError(f"the PostgreSQL driver is not installed ({exc.name}); "
                            "install it with: pip install 'onduty[postgres]'") from exc
    copied = await copy(source, args.target, replace=args.replace)
    for c in copied:
        print(f"{c.table}\t{c.rows}")
    print(f"copied {sum(c.rows for c in copied)} rows from {source} to {redact(args.target)}; counts checked")
