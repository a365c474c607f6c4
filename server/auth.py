"""Credentials: argon2 password hashes, agent session tokens, B2B site tokens.

Session and resume tokens are random; only their SHA-256 is stored. A site token is
``base64url(json payload) + "." + base64url(HMAC-SHA256(site secret, payload part))``
with payload ``{"site", "sub", "name", "exp"}``: the web shop's backend signs it for its
logged-in user, the server checks it (docs/protocol.md, "B2B requestors").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from onduty.shared.errors import ErrorCode, ProtocolError


class Passwords:
    """argon2id hashing; slow on purpose, so callers run it off the event loop."""

    def __init__(self, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        # Checked against when a username is unknown, so that both cases take as long.
        self.dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class SiteClaims:
    site: str
    subject: str
    name: str
    expires_at: float


def sign_site_token(secret: str, site: str, subject: str, name: str, expires_at: float) -> str:
    """What a web shop's backend does for its logged-in user (a reference implementation)."""
    payload = _b64(json.dumps({"site": site, "sub": subject, "name": name, "exp": expires_at}).encode())
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


SITE_CLAIM_LIMITS = {"site": 64, "sub": 256, "name": 128}
"""Longest text per payload key: what the wire schema lets agents receive (``RequestorInfo``)."""


def read_site_token(token: str) -> SiteClaims:
    """Parse without verifying (to find the site whose secret checks it)."""
    try:
        payload_part, _mac = token.split(".")
        data = json.loads(_unb64(payload_part))
        texts = {key: data[key] for key in SITE_CLAIM_LIMITS}
        exp = data["exp"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ProtocolError(ErrorCode.BAD_SITE_TOKEN, "not a site token") from None
    for key, limit in SITE_CLAIM_LIMITS.items():
        value = texts[key]
        if not isinstance(value, str) or not value.strip():
            raise ProtocolError(ErrorCode.BAD_SITE_TOKEN, f"{key} must be a non-empty JSON string")
        if len(value) > limit:
            raise ProtocolError(ErrorCode.BAD_SITE_TOKEN, f"{key} is longer than {limit} characters")
    if isinstance(exp, bool) or not isinstance(exp, int | float) or not math.isfinite(exp):
        raise ProtocolError(ErrorCode.BAD_SITE_TOKEN, "exp must be a JSON number (Unix seconds)")
    return SiteClaims(texts["site"], texts["sub"], texts["name"], float(exp))


def verify_site_token(token: str, secret: str, now: float) -> SiteClaims:
    claims = read_site_token(token)
    payload_part, mac_part = token.split(".")
    expected = hmac.new(secret.encode(), payload_part.encode(), hashlib.sha256).digest()
    try:
        given = _unb64(mac_part)
    except (ValueError, binascii.Error):
        raise ProtocolError(ErrorCode.BAD_SITE_TOKEN, "bad signature") from None
    if not hmac.compare_digest(expected, given):
        raise ProtocolError(ErrorCode.BAD_SITE_TOKEN, "bad signature")
    if claims.expires_at <= now:
        raise ProtocolError(ErrorCode.BAD_SITE_TOKEN, "expired")
    return claims
