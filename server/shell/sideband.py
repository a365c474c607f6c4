"""What a cluster gateway and the routing owner tell each other on a client's upstream connection.

A gateway that relays chat messages itself (docs/architecture.md, "Several nodes") opens the client's
upstream WebSocket to the owner with :data:`RELAY_HEADER`. On such a connection the owner does not send
the client its chats' messages: it tells the gateway, with these frames, which chats the client reads
from which ``seq`` and may write in, and the gateway stores the client's messages and delivers the chats'
messages itself. The frames never reach a client: each starts with :data:`MARK`, a byte that msgpack
never uses, so no client frame can be taken for one, and the gateway keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgpack

from onduty.server.store.records import StoredMessage
from onduty.shared.types import Role

RELAY_HEADER = "X-OnDuty-Relay"
"""Header of an upstream connection whose gateway stores and delivers the client's chat messages."""

MARK = b"\xc1"
"""First byte of every sideband frame (0xc1 is the one byte msgpack never uses)."""


@dataclass(frozen=True, slots=True)
class RelayStart:
    """Owner to gateway: the client reads ``chat_id`` as ``role`` from ``after_seq`` on (the chat's last
    message is ``last_seq`` now) and writes in it under ``name``."""

    chat_id: str
    role: Role
    after_seq: int
    last_seq: int
    name: str


@dataclass(frozen=True, slots=True)
class RelayStop:
    """Owner to gateway: the client no longer reads ``chat_id`` as ``role`` (closed, handed over, requeued)."""

    chat_id: str
    role: Role


@dataclass(frozen=True, slots=True)
class RelayEnded:
    """Owner to gateway: ``chat_id`` has ended; its parties may no longer write in it."""

    chat_id: str


@dataclass(frozen=True, slots=True)
class AgentWrote:
    """Gateway to owner: the client (an agent) sent a message in ``chat_id`` (routing counts the reply)."""

    chat_id: str


@dataclass(frozen=True, slots=True)
class Stored:
    """Gateway to owner: the gateway stored ``message`` for the client (the owner delivers it to the chat's
    parties connected to it and to watching supervisors, and keeps the chat's last ``seq``)."""

    message: StoredMessage


Sideband = RelayStart | RelayStop | RelayEnded | AgentWrote | Stored


def encode_sideband(frame: Sideband) -> bytes:
    match frame:
        case RelayStart():
            body: list[object] = ["start", frame.chat_id, frame.role.value, frame.after_seq, frame.last_seq,
                                  frame.name]
        case RelayStop():
            body = ["stop", frame.chat_id, frame.role.value]
        case RelayEnded():
            body = ["ended", frame.chat_id]
        case AgentWrote():
            body = ["agent_wrote", frame.chat_id]
        case Stored(message=m):
            body = ["stored", m.chat_id, m.seq, m.sender.value, m.sender_name, m.text, m.at, m.client_msg_id]
    return MARK + bytes(msgpack.packb(body, use_bin_type=True))


def is_sideband(data: bytes) -> bool:
    return data[:1] == MARK


def decode_sideband(data: bytes) -> Sideband:
    """The sideband frame ``data``; ValueError when it is not one."""
    if not is_sideband(data):
        raise ValueError("not a sideband frame")
    try:
        body = msgpack.unpackb(data[1:], raw=False)
        match body:
            case ["start", str(chat_id), str(role), int(after_seq), int(last_seq), str(name)]:
                return RelayStart(chat_id, Role(role), after_seq, last_seq, name)
            case ["stop", str(chat_id), str(role)]:
                return RelayStop(chat_id, Role(role))
            case ["ended", str(chat_id)]:
                return RelayEnded(chat_id)
            case ["agent_wrote", str(chat_id)]:
                return AgentWrote(chat_id)
            case ["stored", str(chat_id), int(seq), str(sender), str(name), str(text), float(at),
                  str() | None as client_msg_id]:
                return Stored(StoredMessage(chat_id, seq, Role(sender), name, text, at, client_msg_id))
    except (msgpack.UnpackException, ValueError, TypeError) as exc:
        raise ValueError(f"malformed sideband frame: {exc}") from exc
    raise ValueError(f"unknown sideband frame: {body!r:.100}")
