"""Which web origins may talk to the requestor side: our own (the widget we serve) and the allowlist."""

from __future__ import annotations

from aiohttp import web


def origin_allowed(origin: str, request: web.Request, allowed: tuple[str, ...]) -> bool:
    own = f"{request.scheme}://{request.host}"
    return origin == own or origin in allowed or "*" in allowed


def cors_headers(request: web.Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """CORS answer for an allowed cross-origin caller (the widget embedded in a shop's page)."""
    origin = request.headers.get("Origin")
    if origin is None or not origin_allowed(origin, request, allowed):
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Headers": "Authorization, Content-Type",
        "Access-Control-Expose-Headers": "Content-Disposition",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }
