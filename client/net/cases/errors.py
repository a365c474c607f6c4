"""How the cases API says no: the refusal codes and the client's exceptions."""

from __future__ import annotations

from enum import StrEnum

from onduty.client.net.errors import ClientError


class CaseErrorCode(StrEnum):
    """The codes of the API's refusals; ``UNEXPECTED`` stands for one this client does not know."""

    NOT_AUTHENTICATED = "not_authenticated"
    NOT_ALLOWED = "not_allowed"
    BAD_REQUEST = "bad_request"
    INVALID_VALUE = "invalid_value"
    UNKNOWN_CASE = "unknown_case"
    UNKNOWN_CHAT = "unknown_chat"
    UNKNOWN_QUEUE = "unknown_queue"
    INVALID_TRANSITION = "invalid_transition"
    ALREADY_LINKED = "already_linked"
    CONFLICT = "conflict"
    UNEXPECTED = "unexpected"


class CasesError(ClientError):
    """Root of the cases client's exceptions."""


class CaseRefused(CasesError):
    """The server refused the request; ``detail`` is its own explanation, fit to show the agent."""

    def __init__(self, status: int, code: CaseErrorCode, detail: str, linked_case: int | None = None) -> None:
        super().__init__(detail or code.value)
        self.status = status
        self.code = code
        self.detail = detail
        self.linked_case = linked_case
        """For ``already_linked``: the case the chat belongs to."""


class CasesUnavailable(CasesError):
    """No answer: the server is unreachable, timed out, or failed (5xx); the request may or may not have run."""


class BadCaseData(CasesError):
    """An answer that does not match the API contract (a bug here or on the server)."""
