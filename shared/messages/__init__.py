"""Every wire message, defined once.

A frame is one msgpack map: ``{"t": <type>, <field>: <value>, ...}``. Each message class is
one ``t``; its fields are the map's other keys. ``CLIENT_MESSAGES`` are what a client
may send, ``SERVER_MESSAGES`` what the server sends, ``REPLIES`` which frame answers each
request. docs/protocol.md describes the sequences they form.

Import everything from here (``from onduty.shared.messages import Hello``); the modules only
group the classes by concept:

- :mod:`.base`: ``Message`` (the ``t`` and the request id ``req`` every frame has)
- :mod:`.session`: ``hello``, ``welcome``, ``error`` (both endpoints)
- :mod:`.chat`: a running chat, the same for agent and requestor
- :mod:`.agent`: the agent's sign-in, duty, presence, chat windows, history, canned messages, memos
- :mod:`.requestor`: queue info, the chat request, callbacks, resuming, the waiting line
- :mod:`.handover`: warm handover (discussions, transfers) and cold transfer
- :mod:`.colleagues`: the directory, contacts and instant messages
- :mod:`.supervision`: staffing alerts to a queue's agents and supervisors
- :mod:`.registry`: the per-side message lists and ``REPLIES``
"""

from onduty.shared.messages.agent import (
    TRANSCRIPT_PAGE,
    TRANSCRIPT_PAGE_CHARS,
    AgentStatus,
    CallbackList,
    CannedList,
    ChatAssigned,
    ChatClosed,
    ChatList,
    CloseChat,
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
from onduty.shared.messages.base import Message, RequestId
from onduty.shared.messages.chat import Ack, ChatEnded, ChatMessage, EndChat, PeerTyping, Send, Sent, Typing
from onduty.shared.messages.colleagues import (
    MAX_CHANNELS,
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
from onduty.shared.messages.registry import (
    AGENT_MESSAGES,
    ALL_MESSAGES,
    CLIENT_MESSAGES,
    CONSOLE_MESSAGES,
    REPLIES,
    REQUESTOR_MESSAGES,
    SERVER_MESSAGES,
)
from onduty.shared.messages.requestor import (
    AgentJoined,
    CallbackSaved,
    ChatRequested,
    ChatRequeued,
    GetQueueInfo,
    LeaveCallback,
    QueueInfo,
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
    StaffingAlert,
    SupervisorRole,
)

__all__ = [
    "AGENT_MESSAGES",
    "ALL_MESSAGES",
    "CLIENT_MESSAGES",
    "CONSOLE_MESSAGES",
    "MAX_CHANNELS",
    "REPLIES",
    "REQUESTOR_MESSAGES",
    "SERVER_MESSAGES",
    "TRANSCRIPT_PAGE",
    "TRANSCRIPT_PAGE_CHARS",
    "Ack",
    "AddContact",
    "AgentJoined",
    "AgentStatus",
    "AnswerDiscussion",
    "CallbackList",
    "CallbackSaved",
    "CancelDiscussion",
    "CannedList",
    "Channel",
    "ChatAssigned",
    "ChatClosed",
    "ChatEnded",
    "ChatList",
    "ChatMessage",
    "ChatRequested",
    "ChatRequeued",
    "CloseChannel",
    "CloseChat",
    "ColdTransfer",
    "ConsoleLink",
    "ConsoleQueue",
    "ConsoleState",
    "ContactStatus",
    "Contacts",
    "Directory",
    "Discuss",
    "DiscussionMessage",
    "DiscussionOffer",
    "DiscussionSay",
    "DiscussionUpdate",
    "EndChat",
    "Error",
    "FindColleagues",
    "GetCanned",
    "GetConsoleLink",
    "GetImHistory",
    "GetPartners",
    "GetQueueInfo",
    "GetTranscript",
    "Hello",
    "ImAck",
    "ImMessage",
    "ImSend",
    "ImSent",
    "LeaveCallback",
    "ListCallbacks",
    "ListChats",
    "Login",
    "LoginOk",
    "Logout",
    "MemoSaved",
    "Message",
    "OpenChannel",
    "Partners",
    "PeerTyping",
    "QueueInfo",
    "QueueStatus",
    "RemoveContact",
    "RequestChat",
    "RequestId",
    "ResumeChat",
    "SaveMemo",
    "Send",
    "Sent",
    "SetDuty",
    "SetPresence",
    "StaffingAlert",
    "SupervisorRole",
    "Transcript",
    "Transfer",
    "Typing",
    "Waiting",
    "Welcome",
]
