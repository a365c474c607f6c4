"""Value types that appear inside messages: enums, profiles, chat descriptions.

String fields carry their limit as ``Annotated[str, Max(n)]``; the codec enforces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from onduty.shared.limits import MAX_TEXT


@dataclass(frozen=True, slots=True)
class Max:
    """Upper bound for a field: characters for ``str``, items for ``list``/``dict``."""

    n: int


@dataclass(frozen=True, slots=True)
class Omit:
    """The field is left out of a frame while it is None: fields added in protocol 2 (``req``,
    ``error.client_msg_id``) or 3 (``welcome.limits``), so that an older decoder, which refuses unknown keys,
    never sees them. ``since`` is the protocol that added the field."""

    since: int = 2


Name = Annotated[str, Max(128)]
Ident = Annotated[str, Max(64)]
Text = Annotated[str, Max(MAX_TEXT)]
Token = Annotated[str, Max(1024)]


class Role(StrEnum):
    AGENT = "agent"
    REQUESTOR = "requestor"


class Presence(StrEnum):
    """What the agent chose; ``offline`` is derived by the server (no connection)."""

    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


class ChatState(StrEnum):
    """waiting -> assigned -> active -> ended -> closed (see docs/protocol.md)."""

    WAITING = "waiting"
    ASSIGNED = "assigned"
    ACTIVE = "active"
    ENDED = "ended"
    CLOSED = "closed"


class EndReason(StrEnum):
    REQUESTOR_LEFT = "requestor_left"
    """The requestor ended the chat or did not come back within its grace period."""
    AGENT_ENDED = "agent_ended"
    AGENT_CLOSED = "agent_closed"
    """The agent closed the window of a chat that was still running."""
    TIMEOUT = "timeout"
    """Nobody was free within the queue's waiting limit: "try again later"."""


class RequestType(StrEnum):
    """Seed 004's kinds of assistance; ``other`` for anything else."""

    INFORMATIONAL = "informational"
    NAVIGATIONAL = "navigational"
    SALES_ORDER = "sales_order"
    ADMINISTRATIVE = "administrative"
    PROCESSOR_ASSIGNMENT = "processor_assignment"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class BusinessContext:
    """A typed reference sent with a chat: a case, incident, order, web-shop product..."""

    kind: Ident
    id: Annotated[str, Max(256)]
    title: Annotated[str, Max(256)] = ""
    fields: Annotated[dict[str, str], Max(32)] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CannedMessage:
    """A team's prepared text, offered when the agent types ``/`` + ``shortcut``."""

    queue: Ident
    shortcut: Ident
    text: Text


@dataclass(frozen=True, slots=True)
class FileRef:
    """A file attached to a chat message; fetch it with ``GET /api/files/{file_id}``."""

    file_id: Ident
    name: Annotated[str, Max(255)]
    size: int
    content_type: Annotated[str, Max(128)]


@dataclass(frozen=True, slots=True)
class ContentLimits:
    """What the server accepts from people (``welcome.limits``, protocol 3): clients check a text or a file
    against it before sending, so nothing is cut or sent in vain. ``file_types`` are lowercase name
    extensions with their dot (``.pdf``)."""

    max_text: int
    max_file_bytes: int
    file_types: Annotated[list[str], Max(64)] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Memo:
    """An agent's internal note stored with a chat record (seed 000's memo template)."""

    memo_id: int
    author: Ident
    text: Text
    at: float


RATING_COMMENT_MAX = 1000
"""Characters of the comment a requestor may leave with a rating."""
RATING_MIN, RATING_MAX = 1, 5


@dataclass(frozen=True, slots=True)
class ChatRating:
    """How the requestor rated a chat once it ended: 1 (poor) to 5 (very good), with an optional comment."""

    rating: int
    at: float
    comment: Annotated[str, Max(RATING_COMMENT_MAX)] | None = None


CALLBACK_NOTE_MAX = 1000
"""Characters of the note an agent may leave with a callback's outcome."""


class CallbackOutcome(StrEnum):
    """How a callback / e-mail request ended (``finish_callback``)."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    MAILED = "mailed"
    """Answered by e-mail."""


@dataclass(frozen=True, slots=True)
class CallbackInfo:
    """A requestor who could not be served asked to be called or mailed back."""

    callback_id: int
    queue: Ident
    name: Name
    phone: Annotated[str, Max(64)] | None
    email: Annotated[str, Max(254)] | None
    text: Text
    request_type: RequestType
    created_at: float
    context: Annotated[list[BusinessContext], Max(8)] = field(default_factory=list)
    chat_id: Ident | None = None
    verified_id: Annotated[str, Max(256)] | None = None
    claimed_by: Annotated[str | None, Max(64), Omit(since=3)] = None
    """The agent working on it (``claim_callback``); nil when open, and again once the claim lapsed."""
    claimed_at: Annotated[float | None, Omit(since=3)] = None
    claimed_until: Annotated[float | None, Omit(since=3)] = None
    """When the claim lapses unless the callback is done by then (the server's ``callback_claim_s``)."""
    done_by: Annotated[str | None, Max(64), Omit(since=3)] = None
    done_at: Annotated[float | None, Omit(since=3)] = None
    outcome: Annotated[CallbackOutcome | None, Omit(since=3)] = None
    note: Annotated[str | None, Max(CALLBACK_NOTE_MAX), Omit(since=3)] = None


class DiscussionState(StrEnum):
    """A warm handover's discussion (seed 001): offered -> accepted -> transferred, or it ends early."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    TRANSFERRED = "transferred"
    DECLINED = "declined"
    EXPIRED = "expired"
    """Nobody accepted within the time limit: "nobody available"."""
    NOBODY_AVAILABLE = "nobody_available"
    """No routable agent in the chosen queue (or the colleague is not routable) right now."""
    CANCELLED = "cancelled"
    """The sender withdrew the request."""
    RECEIVER_LEFT = "receiver_left"
    CHAT_ENDED = "chat_ended"
    """The requestor left, or the chat went back to the line."""


@dataclass(frozen=True, slots=True)
class DiscussionInfo:
    discussion_id: Ident
    chat_id: Ident
    sender: Ident
    sender_name: Name
    state: DiscussionState
    receiver: Ident | None = None
    receiver_name: Name | None = None
    queue: Ident | None = None
    """The queue asked for; None when a colleague was asked directly."""
    expires_at: float | None = None
    """While offered: when it comes back as ``expired`` unless accepted."""


class AlertKind(StrEnum):
    """Why a queue inside its staffed hours needs someone (``staffing_alert``)."""

    NOBODY_ON_DUTY = "nobody_on_duty"
    NOBODY_ROUTABLE = "nobody_routable"
    """Someone is On Duty, but nobody can take a chat (Away, Busy or full) for a configured time."""


class StaffRole(StrEnum):
    """An account's role beyond answering chats: a supervisor watches the queues it supervises, an admin all."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class AgentActivity(StrEnum):
    """What a signed-in agent is doing, as a supervisor sees it (the console, ``/metrics``)."""

    OFF_DUTY = "off_duty"
    AVAILABLE = "available"
    """On Duty and Available with no chat: the next request goes to it (or to a colleague)."""
    IN_CHAT = "in_chat"
    """On Duty with at least one open chat."""
    BUSY = "busy"
    AWAY = "away"


class ContactPresence(StrEnum):
    """What colleagues see of an agent (seed 002): in a chat or Busy/Away -> busy."""

    ONLINE = "online"
    BUSY = "busy"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class Colleague:
    """A directory entry; ``phone`` / ``email`` for the tel: and mailto: actions."""

    username: Ident
    display_name: Name
    region: Ident
    lob: Ident
    queues: Annotated[list[str], Max(32)]
    presence: ContactPresence
    phone: Annotated[str, Max(64)] = ""
    email: Annotated[str, Max(254)] = ""


@dataclass(frozen=True, slots=True)
class QueueAvailability:
    """For the discussion partner picker: how many of the queue's agents could take a chat now."""

    queue: Ident
    title: Name
    region: Ident
    routable: int
    on_duty: int


@dataclass(frozen=True, slots=True)
class ConsoleAgent:
    """One signed-in agent of a queue in the supervisor console."""

    username: Ident
    display_name: Name
    activity: AgentActivity
    since: float
    """When it began this activity (its sign-in at the latest), server time."""
    chats: int
    chats_today: int = 0
    """Chats of the queue requested today (the queue's time zone) that this agent answered."""


@dataclass(frozen=True, slots=True)
class ConsoleChat:
    """A live chat of a queue in the supervisor console: an agent holds it; it may be monitored."""

    chat_id: Ident
    agent: Ident
    agent_name: Name
    requestor_name: Name
    since: float
    """When the agent got it, server time."""


@dataclass(frozen=True, slots=True)
class ConsoleToday:
    """A queue's figures of today (since midnight in its staffed hours' time zone), against its goal."""

    requests: int
    answered: int
    dropped: int
    """Requests nobody took: the waiting limit ran out or the requestor left first."""
    target_s: float
    goal: float
    """The queue's goal: this share answered within ``target_s``."""
    service_level: float | None = None
    """The share of today's requests answered within ``target_s`` (None: no requests yet)."""
    handle_mean_s: float | None = None
    """Mean time from the first agent to the end, of today's answered chats that ended."""
    wait_p90_s: float | None = None
    advised_agents: int | None = None
    """Erlang C: agents needed for the last hour's arrivals and today's mean handle time to reach the goal."""
    arrivals_last_hour: int = 0


@dataclass(frozen=True, slots=True)
class ConsoleAlert:
    """A queue's open staffing alert in the console."""

    alert_id: int
    kind: AlertKind
    started_at: float
    text: Text


@dataclass(frozen=True, slots=True)
class AgentProfile:
    username: Ident
    display_name: Name
    region: Ident
    lob: Ident
    queues: Annotated[list[str], Max(32)]
    capacity: int
    phone: Annotated[str, Max(64)] = ""
    email: Annotated[str, Max(254)] = ""


@dataclass(frozen=True, slots=True)
class RequestorInfo:
    """Who asks. ``verified_id``/``site`` are set only from a valid B2B site token."""

    name: Name
    email: Annotated[str, Max(254)] | None = None
    verified_id: Annotated[str, Max(256)] | None = None
    site: Ident | None = None


@dataclass(frozen=True, slots=True)
class ChatInfo:
    chat_id: Ident
    queue: Ident
    state: ChatState
    requestor: RequestorInfo
    request_type: RequestType
    context: Annotated[list[BusinessContext], Max(8)]
    created_at: float
    assigned_at: float | None = None
    ended_at: float | None = None
    agent: Ident | None = None
    agent_name: Name | None = None
    end_reason: EndReason | None = None
    last_seq: int = 0


# --- voice calls (shared/messages/voice.py) -------------------------------------------------------


class CallState(StrEnum):
    """requested -> ringing (the agent's offer is out) -> active (the requestor answered) -> ended."""

    REQUESTED = "requested"
    RINGING = "ringing"
    ACTIVE = "active"
    ENDED = "ended"


class CallEndReason(StrEnum):
    """Why a call ended: a party hung up or declined, could not take part (``permission_denied``, ``no_device``),
    no network path for the audio (``no_connection``: ICE failed, e.g. UDP blocked and no TURN relay), another
    failure (``failed``), or the chat ended or left the agent (``chat_ended``)."""

    HUNG_UP = "hung_up"
    DECLINED = "declined"
    PERMISSION_DENIED = "permission_denied"
    NO_DEVICE = "no_device"
    NO_CONNECTION = "no_connection"
    FAILED = "failed"
    CHAT_ENDED = "chat_ended"


@dataclass(frozen=True, slots=True)
class IceServer:
    """A STUN or TURN server for a call (``RTCIceServer``): TURN servers carry time-limited credentials."""

    urls: Annotated[list[Annotated[str, Max(256)]], Max(8)]
    """``stun:host:port``, ``turn:host:port?transport=udp``, ``turns:host:443?transport=tcp``..."""
    username: Annotated[str, Max(256)] | None = None
    """TURN only: ``<expiry>:<user>`` (the TURN REST scheme, coturn's ``use-auth-secret``)."""
    credential: Annotated[str, Max(256)] | None = None
    """TURN only: base64 of HMAC-SHA1 of ``username`` with the secret shared with the TURN server."""


@dataclass(frozen=True, slots=True)
class CallInfo:
    """A voice call of a chat, as one party is told it (``ice_servers`` carry that party's credentials)."""

    chat_id: Ident
    call_id: Ident
    state: CallState
    requested_by: Role
    requested_at: float
    ice_servers: Annotated[list[IceServer], Max(8)]
    relay_only: bool = False
    """Use TURN relays only (``iceTransportPolicy: "relay"``): neither party learns the other's addresses."""
    started_at: float | None = None
    ended_at: float | None = None
    duration_s: float | None = None
    """Seconds from ``started_at`` to ``ended_at`` (nil if it never started or has not ended)."""
    ended_by: Role | None = None
    reason: CallEndReason | None = None
    text: Annotated[str, Max(256)] = ""
    """What to show, the same words as the transcript line (``Call ended after 2:05``)."""
