"""Persistence behind one small interface (:class:`Store`)."""

from onduty.server.store.base import Store, StoreError
from onduty.server.store.records import (
    AgentRecord,
    AuditEntry,
    ChatRecord,
    FileRecord,
    ImRecord,
    QueueRecord,
    SessionRecord,
    SiteRecord,
    StoredMessage,
)

__all__ = [
    "AgentRecord",
    "AuditEntry",
    "ChatRecord",
    "FileRecord",
    "ImRecord",
    "QueueRecord",
    "SessionRecord",
    "SiteRecord",
    "Store",
    "StoreError",
    "StoredMessage",
]
