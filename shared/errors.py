"""Error codes on the wire, WebSocket close codes, and the exception root.

A :class:`ProtocolError` is the peer's fault and becomes an ``error`` message (and,
for an unusable frame or connection, a close). Anything else raised on the server
is our bug and is reported as ``internal`` without details.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class ErrorCode(StrEnum):
    """Every code an ``error`` message may carry; see docs/protocol.md."""

    MALFORMED_FRAME = "malformed_frame"
    """Not msgpack, not a map, or nested too deep."""
    UNSUPPORTED_DATA = "unsupported_data"
    """A text frame: the protocol is binary msgpack only."""
    TOO_LARGE = "too_large"
    """The frame, or one of its strings, lists or maps, is over its limit."""
    UNKNOWN_TYPE = "unknown_type"
    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_VALUE = "invalid_value"
    UNSUPPORTED_VERSION = "unsupported_version"
    HELLO_REQUIRED = "hello_required"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTH_FAILED = "auth_failed"
    TOKEN_EXPIRED = "token_expired"
    SITE_TOKEN_REQUIRED = "site_token_required"
    BAD_SITE_TOKEN = "bad_site_token"
    UNKNOWN_QUEUE = "unknown_queue"
    UNKNOWN_CHAT = "unknown_chat"
    NOT_ALLOWED = "not_allowed"
    CHAT_ENDED = "chat_ended"
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"
    SLOW_CONSUMER = "slow_consumer"
    REPLACED = "replaced"
    RATE_LIMITED = "rate_limited"
    """Too many frames too fast: this one was dropped (``ref`` names it); send it again later."""
    BAD_REQUEST = "bad_request"
    """The message is well-formed but cannot be done as asked (e.g. a callback with no phone or e-mail)."""
    CHANNEL_LIMIT = "channel_limit"
    """A sixth IM channel: close one of the five open ones first."""
    NOT_ROUTABLE = "not_routable"
    """The chosen colleague or queue cannot take the chat now (handover partner not available)."""
    FILE_REJECTED = "file_rejected"
    """An upload over the size limit or of a type the server does not accept."""
    ALREADY_RATED = "already_rated"
    """``rate_chat`` for a chat that has its rating already (a chat is rated once)."""
    UNKNOWN_CALLBACK = "unknown_callback"
    """``claim_callback`` / ``finish_callback`` name no stored callback request."""
    CALLBACK_CLAIMED = "callback_claimed"
    """Another agent claimed that callback request and its claim has not lapsed."""
    CALLBACK_DONE = "callback_done"
    """That callback request is done already (its outcome is recorded)."""
    INVALID_SDP = "invalid_sdp"
    """A call's ``sdp`` is not a WebRTC audio session description (docs/protocol.md, section "Voice calls")."""
    UNKNOWN_CALL = "unknown_call"
    """The ``call_id`` names no call of the chat under way, or the call is not in a state where that step fits."""
    UNAVAILABLE = "unavailable"
    """The server cannot store right now (its database failed), or a cluster's routing owner cannot
    confirm its lease: nothing was stored or changed; try again later."""
    INTERNAL = "internal"


class CloseCode(IntEnum):
    """WebSocket close codes the server uses (RFC 6455 section 7.4.1)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    UNSUPPORTED_DATA = 1003
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    INTERNAL_ERROR = 1011
    TRY_AGAIN_LATER = 1013


class OnDutyError(Exception):
    """Root of every exception OnDuty raises on purpose."""


class ProtocolError(OnDutyError):
    """The peer sent something we cannot accept: becomes an ``error`` message.

    ``close`` is set when the connection cannot go on (the frame was unusable or the
    peer broke the session rules); the server then closes with that code.
    """

    def __init__(
        self,
        code: ErrorCode,
        detail: str = "",
        *,
        close: CloseCode | None = None,
        ref: str | None = None,
    ) -> None:
        super().__init__(f"{code.value}: {detail}" if detail else code.value)
        self.code = code
        self.detail = detail
        self.close = close
        self.ref = ref
