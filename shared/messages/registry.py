"""Which messages each side may send, and the reply of each request.

The codec compiles ``ALL_MESSAGES`` and decodes what a side accepts (``SERVER_MESSAGES`` on a client,
``AGENT_MESSAGES`` / ``REQUESTOR_MESSAGES`` on the server's two endpoints); the tuples' order is the
order of the protocol tests and docs."""

from __future__ import annotations

from onduty.shared.messages.agent import (
    AgentStatus,
    CallbackList,
    CallbackUpdate,
    CannedList,
    ChatAssigned,
    ChatClosed,
    ChatList,
    ClaimCallback,
    CloseChat,
    FinishCallback,
    GetCanned,
    GetTranscript,
    ListCallbacks,
    ListChats,
    Login,
    LoginOk,
    Logout,
    MemoSaved,
    QueueStatus,
    SaveMemo,
    SetDuty,
    SetPresence,
    Transcript,
)
from onduty.shared.messages.base import Message
from onduty.shared.messages.chat import Ack, ChatEnded, ChatMessage, EndChat, PeerTyping, Send, Sent, Typing
from onduty.shared.messages.cobrowse import (
    CobrowseChunk,
    CobrowseData,
    CobrowseDecline,
    CobrowseInvite,
    CobrowseLink,
    CobrowsePoint,
    CobrowseSnapshot,
    CobrowseStart,
    CobrowseStop,
    CobrowseUpdate,
    GetCobrowseLink,
)
from onduty.shared.messages.colleagues import (
    AddContact,
    Channel,
    CloseChannel,
    Contacts,
    ContactStatus,
    Directory,
    FindColleagues,
    GetImHistory,
    ImAck,
    ImMessage,
    ImSend,
    ImSent,
    OpenChannel,
    RemoveContact,
)
from onduty.shared.messages.handover import (
    AnswerDiscussion,
    CancelDiscussion,
    ColdTransfer,
    Discuss,
    DiscussionMessage,
    DiscussionOffer,
    DiscussionSay,
    DiscussionUpdate,
    GetPartners,
    Partners,
    Transfer,
)
from onduty.shared.messages.requestor import (
    AgentJoined,
    CallbackSaved,
    ChatRated,
    ChatRequested,
    ChatRequeued,
    GetQueueInfo,
    LeaveCallback,
    QueueInfo,
    RateChat,
    RequestChat,
    ResumeChat,
    Waiting,
)
from onduty.shared.messages.session import Error, Hello, Welcome
from onduty.shared.messages.supervision import (
    ConsoleLink,
    ConsoleQueue,
    ConsoleState,
    GetConsoleLink,
    MonitorChat,
    Monitoring,
    SendWhisper,
    StaffingAlert,
    StopMonitoring,
    SupervisorRole,
    Whisper,
)
from onduty.shared.messages.voice import (
    CallAnswer,
    CallCandidate,
    CallOffer,
    CallRequest,
    CallUpdate,
    HangUp,
    PeerAnswer,
    PeerCandidate,
    PeerOffer,
    VoiceAvailable,
)

VOICE_AGENT: tuple[type[Message], ...] = (CallRequest, CallOffer, CallCandidate, HangUp)
VOICE_REQUESTOR: tuple[type[Message], ...] = (CallRequest, CallAnswer, CallCandidate, HangUp)
VOICE_SERVER: tuple[type[Message], ...] = (VoiceAvailable, CallUpdate, PeerOffer, PeerAnswer, PeerCandidate)
"""Voice calls (``voice.py``): the server relays ``call_offer`` to the requestor as ``peer_offer``, ``call_answer``
to the agent as ``peer_answer``, ``call_candidate`` to the other party as ``peer_candidate``."""

AGENT_MESSAGES: tuple[type[Message], ...] = (
    Hello, Login, Logout, SetDuty, SetPresence, Send, Ack, Typing, EndChat, CloseChat, ListChats, GetTranscript,
    GetCanned, SaveMemo, ListCallbacks, ClaimCallback, FinishCallback, GetPartners, Discuss, AnswerDiscussion,
    DiscussionSay, CancelDiscussion,
    Transfer, ColdTransfer, FindColleagues, AddContact, RemoveContact, OpenChannel, CloseChannel, ImSend, ImAck,
    GetImHistory, GetConsoleLink, *VOICE_AGENT,
    CobrowseInvite, CobrowseStop, GetCobrowseLink,
)
REQUESTOR_MESSAGES: tuple[type[Message], ...] = (
    Hello, GetQueueInfo, RequestChat, ResumeChat, LeaveCallback, Send, Ack, Typing, EndChat, RateChat,
    *VOICE_REQUESTOR,
    CobrowseStart, CobrowseDecline, CobrowseStop, CobrowseData,
)
CLIENT_MESSAGES: tuple[type[Message], ...] = tuple(dict.fromkeys(AGENT_MESSAGES + REQUESTOR_MESSAGES))
SERVER_MESSAGES: tuple[type[Message], ...] = (
    Welcome, Error, LoginOk, AgentStatus, ChatAssigned, ChatClosed, QueueStatus, ChatList, Transcript,
    CannedList, MemoSaved, CallbackList, CallbackUpdate, Partners, DiscussionOffer, DiscussionUpdate,
    DiscussionMessage, Directory,
    Contacts, ContactStatus, ImMessage, ImSent, Channel, QueueInfo, CallbackSaved, ChatRequested, Waiting, AgentJoined,
    ChatRequeued, ChatMessage, PeerTyping, Sent, ChatEnded, ChatRated, StaffingAlert, ConsoleState, ConsoleQueue,
    SupervisorRole, ConsoleLink, Monitoring, Whisper, *VOICE_SERVER,
    CobrowseUpdate, CobrowseSnapshot, CobrowsePoint, CobrowseLink, CobrowseChunk,
)
CONSOLE_MESSAGES: tuple[type[Message], ...] = (Hello, MonitorChat, StopMonitoring, SendWhisper)
"""What the supervisor console may send on ``/console/ws``: ``hello``, then monitor and whisper requests."""
COBROWSE_VIEWER_MESSAGES: tuple[type[Message], ...] = (Hello, CobrowsePoint, CobrowseStop)
"""What the agent's co-browse view may send on ``/cobrowse/ws``: ``hello``, then pointer and stop."""
ALL_MESSAGES: tuple[type[Message], ...] = tuple(dict.fromkeys(
    CLIENT_MESSAGES + CONSOLE_MESSAGES[1:] + COBROWSE_VIEWER_MESSAGES[1:] + SERVER_MESSAGES
))

REPLIES: dict[type[Message], type[Message] | None] = {
    Hello: Welcome, Login: LoginOk, Logout: None, SetDuty: AgentStatus, SetPresence: AgentStatus, Send: Sent,
    Ack: None, Typing: None, EndChat: ChatEnded, CloseChat: ChatClosed, ListChats: ChatList,
    GetTranscript: Transcript, GetCanned: CannedList, SaveMemo: MemoSaved, ListCallbacks: CallbackList,
    ClaimCallback: CallbackUpdate, FinishCallback: CallbackUpdate,
    GetPartners: Partners, Discuss: DiscussionUpdate, AnswerDiscussion: DiscussionUpdate,
    DiscussionSay: DiscussionMessage, CancelDiscussion: DiscussionUpdate, Transfer: DiscussionUpdate,
    ColdTransfer: ChatClosed, FindColleagues: Directory, AddContact: Contacts, RemoveContact: Contacts,
    OpenChannel: Channel, CloseChannel: None, ImSend: ImSent, ImAck: None, GetImHistory: Channel,
    GetQueueInfo: QueueInfo, RequestChat: ChatRequested, ResumeChat: ChatRequested, LeaveCallback: CallbackSaved,
    RateChat: ChatRated,
    GetConsoleLink: ConsoleLink, MonitorChat: Monitoring, StopMonitoring: None, SendWhisper: Whisper,
    CallRequest: CallUpdate, CallOffer: CallUpdate, CallAnswer: CallUpdate, CallCandidate: None, HangUp: CallUpdate,
    CobrowseInvite: CobrowseUpdate, CobrowseStart: CobrowseUpdate, CobrowseDecline: CobrowseUpdate,
    CobrowseStop: CobrowseUpdate, CobrowseData: None, CobrowsePoint: None, GetCobrowseLink: CobrowseLink,
}
"""The frame that answers each client request (protocol 2: it carries the request's ``req``); None: no reply
on success, only an ``error`` (with ``req``) on failure."""
