"""The server address an agent types, checked before connecting and saved in one form.

``http://`` and ``https://`` become ``ws://`` and ``wss://`` (people copy the address from a browser); an
address without a scheme, with blanks or without a host is refused with a sentence saying what to type.
Several addresses, comma-separated, name the nodes of a cluster without a load balancer in front: the app
tries them in turn.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

SCHEMES = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}
EXAMPLE = "wss://chat.example.com (or ws://host:8765 without TLS)"


class AddressError(ValueError):
    """The address cannot be a server address; ``str()`` says why and what to type."""


def server_address(text: str) -> str:
    """``text`` as a ``ws://`` / ``wss://`` address without a trailing slash, or AddressError."""
    typed = text.strip()
    if not typed:
        raise AddressError(f"Enter the server address, e.g. {EXAMPLE}.")
    if any(c.isspace() for c in typed):
        raise AddressError(f"A server address has no spaces: “{typed}”. Type it like {EXAMPLE}.")
    if "://" not in typed:
        raise AddressError(f"Start the address with wss:// or ws://, e.g. {EXAMPLE}.")
    try:
        parts = urlsplit(typed)
        port = parts.port
    except ValueError:
        raise AddressError(f"“{typed}” has a port that is not a number. Type it like {EXAMPLE}.") from None
    scheme = SCHEMES.get(parts.scheme.lower())
    if scheme is None:
        raise AddressError(f"“{parts.scheme}://” is not a server address. Start it with wss:// or ws://.")
    if not parts.hostname or port == 0:
        raise AddressError(f"“{typed}” names no server. Type it like {EXAMPLE}.")
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def server_addresses(text: str) -> str:
    """One address, or several comma-separated (a cluster's nodes), each checked as :func:`server_address`,
    written back as ``ws://a:8765, ws://b:8765``; AddressError for the first bad one."""
    items = [item for item in text.split(",") if item.strip()] or [text]
    return ", ".join(server_address(item) for item in items)


def split_servers(value: str) -> list[str]:
    """The addresses of a saved ``server`` setting, in the order they are tried."""
    return [item.strip() for item in value.split(",") if item.strip()]
