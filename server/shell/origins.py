"""Which web origins may talk to the requestor side: our own (the widget we serve) and the allowlist."""

from __future__ import annotations

import urllib.parse

from aiohttp import web

from onduty.server.config import ServerConfig


def public_origin(public_url: str) -> str | None:
    """The origin of ``public_url`` (how browsers reach the server, e.g. through a TLS proxy), if set."""
    parts = urllib.parse.urlsplit(public_url.strip())
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number
        return None
    if parts.scheme not in ("http", "https") or not host:
        return None
    default = 443 if parts.scheme == "https" else 80
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{netloc}" + (f":{port}" if port not in (None, default) else "")


def origin_allowed(origin: str, request: web.Request, config: ServerConfig) -> bool:
    """Our own origin as the request reached us, the ``public_url``'s, or one of ``allowed_origins``."""
    allowed = config.allowed_origins
    own = f"{request.scheme}://{request.host}"
    return origin in (own, public_origin(config.public_url)) or origin in allowed or "*" in allowed


def cors_headers(request: web.Request, config: ServerConfig) -> dict[str, str]:
    """CORS answer for an allowed cross-origin caller (the widget embedded in a shop's page)."""
    origin = request.headers.get("Origin")
    if origin is None or not origin_allowed(origin, request, config):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Headers": "Authorization, Content-Type",
        "Access-Control-Expose-Headers": "Content-Disposition",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }
