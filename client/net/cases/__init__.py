"""A typed async client for the cases JSON API under ``/api/cases`` (docs/cases.md).

Requests carry ``Authorization: Bearer <token>``, the agent's session token, read afresh for each call
(it changes when the agent signs in again). Answers become frozen values; a refusal ``{code, detail}``
becomes :class:`CaseRefused` with the server's own text, a network failure :class:`CasesUnavailable`
and an answer that does not match the contract :class:`BadCaseData` (a bug on one side).

Import everything from here (``from onduty.client.net.cases import CasesClient, Case``); the modules:

- :mod:`.client`: :class:`CasesClient`, one method per API call
- :mod:`.models`: the answers as frozen values, and the list's query options
- :mod:`.errors`: the refusal codes and the exceptions
- :mod:`.http`: the transport (bearer token, one short HTTP session per call, status -> exception)
- :mod:`.parse`: JSON -> values, checking every field

The API's vocabulary (states, priorities, clock kinds...) is defined once in
:mod:`onduty.shared.cases` and re-exported here.
"""

from onduty.client.net.cases.client import KEEP, CasesClient
from onduty.client.net.cases.errors import BadCaseData, CaseErrorCode, CaseRefused, CasesError, CasesUnavailable
from onduty.client.net.cases.models import (
    Case,
    CaseContext,
    CaseFile,
    CaseList,
    CaseMessage,
    CaseNote,
    CaseRequestor,
    CaseSummary,
    ExternalInfo,
    HistoryEntry,
    InteractionRecord,
    LinkedChat,
    NewInteraction,
    Scope,
    SlaClock,
    SlaEvent,
    SlaFilter,
)
from onduty.shared.cases import (
    OPEN_STATES,
    CaseState,
    ClockKind,
    ClockStatus,
    Direction,
    InfoKind,
    InteractionType,
    Priority,
    SendMode,
)

__all__ = [
    "KEEP",
    "OPEN_STATES",
    "BadCaseData",
    "Case",
    "CaseContext",
    "CaseErrorCode",
    "CaseFile",
    "CaseList",
    "CaseMessage",
    "CaseNote",
    "CaseRefused",
    "CaseRequestor",
    "CaseState",
    "CaseSummary",
    "CasesClient",
    "CasesError",
    "CasesUnavailable",
    "ClockKind",
    "ClockStatus",
    "Direction",
    "ExternalInfo",
    "HistoryEntry",
    "InfoKind",
    "InteractionRecord",
    "InteractionType",
    "LinkedChat",
    "NewInteraction",
    "Priority",
    "Scope",
    "SendMode",
    "SlaClock",
    "SlaEvent",
    "SlaFilter",
]
