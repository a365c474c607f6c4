"""asyncio client for OnDuty (no Qt): one reconnecting connection, agent and requestor sessions.

Used by the tray app, bots, tests and the load generator. See docs/protocol.md for the wire contract.
"""

from onduty.client.net.agent import AgentClient
from onduty.client.net.backoff import Backoff, ExponentialBackoff
from onduty.client.net.base import ChatClient
from onduty.client.net.errors import ClientError, ConnectionLost, NotConnected, RequestFailed, SessionEnded
from onduty.client.net.events import (
    ClientEvent,
    Connected,
    ConnectionEvent,
    Disconnected,
    GaveUp,
    Reconnecting,
)
from onduty.client.net.requestor import RequestorClient

__all__ = [
    "AgentClient",
    "Backoff",
    "ChatClient",
    "ClientError",
    "ClientEvent",
    "Connected",
    "ConnectionEvent",
    "ConnectionLost",
    "Disconnected",
    "ExponentialBackoff",
    "GaveUp",
    "NotConnected",
    "Reconnecting",
    "RequestFailed",
    "RequestorClient",
    "SessionEnded",
]
