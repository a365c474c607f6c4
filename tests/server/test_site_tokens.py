"""Site tokens (docs/protocol.md section 16): each payload text within the limit agents can receive."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from onduty.server.auth import sign_site_token, verify_site_token
from onduty.shared.errors import ErrorCode, ProtocolError

SECRET = "site-secret"


def token(payload: object) -> str:
    part = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    mac = hmac.new(SECRET.encode(), part.encode(), hashlib.sha256).digest()
    return f"{part}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


GOOD = {"site": "shop", "sub": "u-1", "name": "Jane Doe", "exp": 2e9}


def test_a_token_within_the_limits_is_accepted() -> None:
    longest = {**GOOD, "site": "s" * 64, "sub": "u" * 256, "name": "n" * 128}
    claims = verify_site_token(token(longest), SECRET, now=0.0)
    assert (len(claims.site), len(claims.subject), len(claims.name)) == (64, 256, 128)
    assert verify_site_token(sign_site_token(SECRET, "shop", "u-1", "Jane", 2e9), SECRET, 0.0).name == "Jane"


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"sub": "u" * 257}, "sub is longer than 256 characters"),
        ({"name": "n" * 129}, "name is longer than 128 characters"),
        ({"site": "s" * 65}, "site is longer than 64 characters"),
        ({"sub": 1001}, "sub must be a non-empty JSON string"),
        ({"name": "  "}, "name must be a non-empty JSON string"),
        ({"exp": "2000000000"}, "exp must be a JSON number (Unix seconds)"),
        ({"exp": True}, "exp must be a JSON number (Unix seconds)"),
    ],
)
def test_a_text_over_its_limit_or_of_the_wrong_type_is_a_bad_site_token(change: dict[str, object],
                                                                          detail: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        verify_site_token(token({**GOOD, **change}), SECRET, now=0.0)
    assert (refused.value.code, refused.value.detail) == (ErrorCode.BAD_SITE_TOKEN, detail)


def test_a_payload_without_the_four_keys_is_not_a_site_token() -> None:
    with pytest.raises(ProtocolError, match="not a site token"):
        verify_site_token(token({"site": "shop"}), SECRET, now=0.0)
