"""ICE servers for a call, with time-limited TURN credentials (the TURN REST scheme).

A TURN server configured with the same secret (coturn: ``use-auth-secret`` and ``static-auth-secret``) accepts
``username = "<expiry>:<user>"`` with ``credential = base64(HMAC-SHA1(secret, username))`` until ``expiry`` (Unix
seconds) has passed; nothing is stored on either side. STUN servers need no credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac

from onduty.shared.types import IceServer

ICE_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")


def turn_credential(secret: str, username: str) -> str:
    """base64 of HMAC-SHA1 of ``username`` keyed with ``secret`` (what coturn checks)."""
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def ice_servers(urls: tuple[str, ...], secret: str, ttl_s: float, user: str, now: float) -> list[IceServer]:
    """The configured STUN servers as they are, and the TURN servers (``turn:`` / ``turns:``) with credentials
    for ``user`` valid ``ttl_s`` from ``now``; TURN servers are left out while no secret is set (they would
    refuse every allocation)."""
    stun = [u for u in urls if u.startswith(("stun:", "stuns:"))]
    turn = [u for u in urls if u.startswith(("turn:", "turns:"))]
    servers: list[IceServer] = []
    if stun:
        servers.append(IceServer(urls=stun[:8]))
    if turn and secret:
        username = f"{int(now + ttl_s)}:{user}"
        servers.append(IceServer(urls=turn[:8], username=username, credential=turn_credential(secret, username)))
    return servers
