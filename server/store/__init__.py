"""Persistence behind one contract (:class:`Store`), built from a URL by :func:`open_store`."""

from onduty.server.store.base import (
    MAX_PAGE,
    CaseStore,
    ChatStore,
    CollabStore,
    DirectoryStore,
    Lifecycle,
    Store,
    case_store,
)
from onduty.server.store.errors import SeqOutOfRange, StoreError, StoreRefused, StoreUnavailable
from onduty.server.store.records import (
    AgentRecord,
    AgentState,
    AuditEntry,
    CaseDetail,
    ChatRecord,
    FileRecord,
    ImRecord,
    LinkedChat,
    NewCase,
    QueueRecord,
    SessionRecord,
    SiteRecord,
    StoredMessage,
)
from onduty.server.store.url import StoreUrlError, open_store

__all__ = [
    "MAX_PAGE",
    "AgentRecord",
    "AgentState",
    "AuditEntry",
    "CaseDetail",
    "CaseStore",
    "ChatRecord",
    "ChatStore",
    "CollabStore",
    "DirectoryStore",
    "FileRecord",
    "ImRecord",
    "Lifecycle",
    "LinkedChat",
    "NewCase",
    "QueueRecord",
    "SeqOutOfRange",
    "SessionRecord",
    "SiteRecord",
    "Store",
    "StoreError",
    "StoreRefused",
    "StoreUnavailable",
    "StoreUrlError",
    "StoredMessage",
    "case_store",
    "open_store",
]
