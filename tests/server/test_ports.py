"""The shell's walls and its in-process ports.

The walls read the sources: only the composition root names the in-process implementations, only
``LocalRouting`` holds a ``Router``, and no shell module imports a SQLite module, so a shortcut
around the ports fails here rather than in review. The port tests use stand-in connections.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from onduty.server.core import events as ev
from onduty.server.core.decisions import Decision
from onduty.server.core.model import RouterConfig
from onduty.server.shell.delivery import LocalDelivery
from onduty.server.shell.peer import Peer
from onduty.server.shell.presence import LocalPresence
from onduty.server.shell.routing import LocalRouting
from onduty.server.shell.sideband import RelayEnded, RelayStart, RelayStop, Sideband
from onduty.server.shell.writes import Writes
from onduty.server.store.errors import StoreUnavailable
from onduty.server.store.records import ChatRecord, StoredMessage, WhisperRecord
from onduty.shared.codec import Codec
from onduty.shared.limits import Limits
from onduty.shared.messages import AGENT_MESSAGES, ChatEnded, ChatMessage, ContactStatus, Message
from onduty.shared.types import AgentProfile, ChatState, ContactPresence, EndReason, RequestType, Role

SHELL = Path(__file__).resolve().parents[2] / "server" / "shell"
LOCAL = {"onduty.server.shell.routing", "onduty.server.shell.presence", "onduty.server.shell.delivery"}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_only_the_composition_root_names_the_in_process_ports() -> None:
    # LocalDelivery finds agents' connections through LocalPresence: both are this process's delivery.
    allowed = {"wiring.py": LOCAL, "delivery.py": {"onduty.server.shell.presence"}}
    offenders = {
        path.name: sorted(imports(path) & (LOCAL - allowed.get(path.name, set())))
        for path in sorted(SHELL.glob("*.py"))
        if imports(path) & (LOCAL - allowed.get(path.name, set())) and path.stem not in ("routing", "presence")
    }
    assert offenders == {}, "talk to the ports (server/shell/ports.py), not to their implementations"


def test_only_local_routing_holds_a_router_and_no_shell_module_imports_sqlite() -> None:
    for path in sorted(SHELL.glob("*.py")):
        names = imports(path)
        if path.name != "routing.py":
            assert not {n for n in names if n.startswith("onduty.server.core.router")}, path.name
            assert "onduty.server.core.Router" not in names, path.name
        assert not {n for n in names if "sqlite" in n}, path.name


@dataclass(eq=False)
class FakePeer:
    """Records what a connection was sent, and the encoded frames shared with other connections."""

    codec: Codec
    frames: list[Message] = field(default_factory=list)
    shared: list[bytes] = field(default_factory=list)
    relayed: bool = False
    party_name: str = ""
    sidebands: list[Sideband] = field(default_factory=list)

    def send(self, message: Message) -> None:
        self.frames.append(message)

    def sideband(self, frame: Sideband) -> None:
        if self.relayed:
            self.sidebands.append(frame)

    def send_shared(self, message: Message, frame: bytes) -> None:
        assert frame == self.codec.encode(message)
        self.frames.append(message)
        self.shared.append(frame)


CODEC = Codec(AGENT_MESSAGES, Limits())


def profile(name: str, *queues: str) -> AgentProfile:
    return AgentProfile(username=name, display_name=name.title(), region="EMEA", lob="", queues=list(queues),
                        capacity=1)


def as_peer(fake: FakePeer) -> Peer:
    return fake  # type: ignore[return-value]


def test_a_second_sign_in_replaces_the_first_and_the_stale_one_cannot_sign_the_agent_out() -> None:
    presence = LocalPresence()
    first, second = as_peer(FakePeer(CODEC)), as_peer(FakePeer(CODEC))
    assert presence.connect(profile("ann", "cim-emea"), first) is None
    assert presence.connect(profile("ann", "cim-emea"), second) is first
    assert not presence.disconnect("ann", first)  # the replaced connection ending changes nothing
    assert presence.is_connected("ann") and list(presence.members("cim-emea")) == ["ann"]
    assert presence.disconnect("ann", second)
    assert not presence.is_connected("ann") and list(presence.members("cim-emea")) == []
    assert presence.name("ann") == "Ann"  # the name outlives the connection


class NoStore:
    async def messages_after(self, chat_id: str, after_seq: int, limit: int) -> list[StoredMessage]:
        return []

    async def whispers(self, chat_id: str) -> list[WhisperRecord]:
        return []


def record(chat_id: str) -> ChatRecord:
    return ChatRecord(chat_id=chat_id, queue="cim-emea", state=ChatState.WAITING, requestor_name="Rita",
                      request_type=RequestType.INFORMATIONAL, requested_at=0.0, resume_token_hash="x")


async def test_delivery_reaches_queue_members_once_each_and_chat_parties_in_seq_order() -> None:
    presence = LocalPresence()
    ann, bob, rita = FakePeer(CODEC), FakePeer(CODEC), FakePeer(CODEC)
    presence.connect(profile("ann", "cim-emea"), as_peer(ann))
    presence.connect(profile("bob", "cim-apj"), as_peer(bob))
    store = NoStore()
    writes = Writes(store)  # type: ignore[arg-type]
    delivery = LocalDelivery(presence, CODEC, store, writes)  # type: ignore[arg-type]

    carl = FakePeer(CODEC)
    presence.connect(profile("carl", "cim-emea"), as_peer(carl))
    delivery.to_queue("cim-emea", ContactStatus(username="x", presence=ContactPresence.ONLINE))
    assert [type(m) for m in ann.frames] == [ContactStatus] == [type(m) for m in carl.frames] and bob.frames == []
    assert ann.shared[0] is carl.shared[0]  # encoded once for the whole queue
    presence.disconnect("carl", as_peer(carl))
    assert not delivery.to_agent("carl", ContactStatus(username="x", presence=ContactPresence.BUSY))

    delivery.open(record("c1"))
    delivery.attach("c1", Role.REQUESTOR, as_peer(rita), 0)
    delivery.attach("c1", Role.AGENT, as_peer(ann), 0)
    await writes.drain()  # the (empty) replays finish: delivery goes live
    two = StoredMessage("c1", 2, Role.AGENT, "Ann", "second", 2.0, None, None)
    one = StoredMessage("c1", 1, Role.REQUESTOR, "Rita", "first", 1.0, None, None)
    delivery.stored(two)  # stored out of order: held back until seq 1 is there
    assert not [m for m in rita.frames if isinstance(m, ChatMessage)]
    delivery.stored(one)
    assert [m.seq for m in rita.frames if isinstance(m, ChatMessage)] == [2]  # its own message is not echoed
    assert [m.seq for m in ann.frames if isinstance(m, ChatMessage)] == [1]
    assert delivery.detach("c1", Role.AGENT, as_peer(bob)) is None  # not the attached one: nothing happens
    assert delivery.detach("c1", Role.AGENT) is ann


async def test_a_relaying_gateway_is_told_what_its_client_reads_and_is_sent_no_message_itself() -> None:
    presence = LocalPresence()
    store = NoStore()
    writes = Writes(store)  # type: ignore[arg-type]
    delivery = LocalDelivery(presence, CODEC, store, writes)  # type: ignore[arg-type]
    rita, ann = FakePeer(CODEC, relayed=True), FakePeer(CODEC, relayed=True, party_name="Ann Agent")
    session = delivery.open(record("c1"), last_seq=3)
    delivery.attach("c1", Role.REQUESTOR, as_peer(rita), 1, ChatEnded(chat_id="c1", reason=EndReason.AGENT_ENDED,
                                                                   text="", state=ChatState.ENDED))
    delivery.attach("c1", Role.AGENT, as_peer(ann), 0)
    await writes.drain()
    assert rita.sidebands == [RelayStart("c1", Role.REQUESTOR, 1, 3, session.record.requestor_name)]
    assert type(rita.frames[0]) is ChatEnded  # the first frame goes before the gateway starts replaying
    assert ann.sidebands == [RelayStart("c1", Role.AGENT, 0, 3, "Ann Agent")]
    delivery.stored(StoredMessage("c1", 4, Role.REQUESTOR, "Rita", "new", 4.0, None, None))
    assert not [m for m in rita.frames + ann.frames if isinstance(m, ChatMessage)]  # the gateway delivers
    assert session.last_seq == 4
    session.end(EndReason.AGENT_ENDED)
    assert rita.sidebands[-1] == RelayEnded("c1") == ann.sidebands[-1]
    delivery.detach("c1", Role.AGENT)
    assert ann.sidebands[-1] == RelayStop("c1", Role.AGENT)
    delivery.close("c1")
    assert rita.sidebands[-1] == RelayStop("c1", Role.REQUESTOR)


def test_routing_performs_every_decision_even_when_one_fails() -> None:
    routing = LocalRouting(RouterConfig(), clock=lambda: 0.0)
    performed: list[Decision] = []

    def perform(d: Decision) -> None:
        performed.append(d)
        if len(performed) == 1:
            raise RuntimeError("our bug")

    routing.bind(perform)
    routing.submit(ev.QueueConfigured(0.0, "cim-emea", 120.0))
    routing.submit(ev.AgentConfigured(0.0, "ann", ("cim-emea",), 1))
    routing.submit(ev.AgentConnected(0.0, "ann"))
    assert len(performed) > 1
    assert routing.agent_status("ann").connected


class WhisperlessStore(NoStore):
    """Messages there, whispers unreadable (the store failing for that one read)."""

    async def messages_after(self, chat_id: str, after_seq: int, limit: int) -> list[StoredMessage]:
        return [StoredMessage(chat_id, 1, Role.REQUESTOR, "Rita", "first", 1.0, None, None)][after_seq:]

    async def whispers(self, chat_id: str) -> list[WhisperRecord]:
        raise StoreUnavailable("the store went away")


async def test_a_replay_goes_on_without_whispers_when_they_cannot_be_read() -> None:
    presence, ann = LocalPresence(), FakePeer(CODEC)
    presence.connect(profile("ann", "cim-emea"), as_peer(ann))
    store = WhisperlessStore()
    writes = Writes(store)  # type: ignore[arg-type]
    delivery = LocalDelivery(presence, CODEC, store, writes)  # type: ignore[arg-type]
    delivery.open(record("c1"))
    delivery.stored(StoredMessage("c1", 1, Role.REQUESTOR, "Rita", "first", 1.0, None, None))
    delivery.attach("c1", Role.AGENT, as_peer(ann), 0)
    await writes.drain()
    assert [m.seq for m in ann.frames if isinstance(m, ChatMessage)] == [1]
