"""Why a server could not be reached, in words an agent can act on (the sign-in shows it, the tray too).

aiohttp reports a refused port, an unknown host name and a silent host as different exceptions; each gets
a sentence naming the address and what to check, instead of the exception's repr.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import aiohttp


def _where(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    host = parts.hostname or url
    return host, f"{host}:{parts.port}" if parts.port else host


def no_handshake(url: str, seconds: float) -> str:
    """A host that took the connection but never answered the WebSocket upgrade (a wrong port, a proxy that
    holds it, a server that hangs)."""
    _host, where = _where(url)
    return (f"The server at {where} did not answer: it accepted the connection but gave no reply within "
            f"{seconds:g} s. Check the address and port, or try again later.")


def why_unreachable(exc: BaseException, url: str) -> str:
    host, where = _where(url)
    os_error = exc.os_error if isinstance(exc, aiohttp.ClientConnectorError) else exc
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"The secure connection to {where} failed ({exc}). Check the address (wss:// or ws://)."
    if isinstance(os_error, socket.gaierror):
        return f"There is no server named {host} (the name does not resolve). Check the address."
    if isinstance(os_error, ConnectionRefusedError):
        return f"Nothing is listening at {where} (connection refused). Is the server running, and is the port right?"
    if isinstance(exc, TimeoutError) or isinstance(os_error, TimeoutError):
        return f"{where} does not answer (timed out). Check the address and your network."
    return f"Cannot connect to {where}: {exc or type(exc).__name__}."
