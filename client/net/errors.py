"""Exceptions of the client library, rooted at :class:`ClientError`.

``RequestFailed`` is the server refusing one request (the session goes on);
``SessionEnded`` means the client stopped for good (auth refused, closed, gave up).
"""

from __future__ import annotations

from onduty.shared.errors import ErrorCode, OnDutyError


class ClientError(OnDutyError):
    """Root of the exceptions raised by :mod:`onduty.client.net`."""


class NotConnected(ClientError):
    """There is no open session to write to right now."""


class ConnectionLost(ClientError):
    """The connection dropped before the reply to a request arrived; the request may or may not have run."""


class RequestFailed(ClientError):
    """The server answered a request with an ``error`` message."""

    def __init__(self, code: ErrorCode, detail: str = "", ref: str | None = None) -> None:
        super().__init__(f"{code.value}: {detail}" if detail else code.value)
        self.code = code
        self.detail = detail
        self.ref = ref


class SessionEnded(ClientError):
    """The client stopped and will not reconnect; ``code`` is the server's error code, if any."""

    def __init__(self, reason: str, code: ErrorCode | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
