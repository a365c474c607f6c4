"""A gateway node passes everything on to the owner: the widget's files, a chat whose agent and requestor
sit on different nodes, a file upload; the requestor endpoint's Origin rule holds through it."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from onduty.client.net import AgentClient, RequestorClient, SessionEnded
from onduty.server.core.roles import StaffRole
from onduty.server.store.pg import PostgresStore
from onduty.shared.errors import CloseCode, ErrorCode
from onduty.shared.limits import PROTOCOL_VERSION
from onduty.shared.messages import ChatAssigned, ChatMessage, ConsoleQueue, ConsoleState, Hello, ImMessage, Welcome
from onduty.shared.types import ContactPresence
from tests.cluster.nodes import PASSWORD, Node, seed, start_node
from tests.cluster.test_failover import WAIT, until_event
from tests.server.harness import Wire

pytestmark = pytest.mark.timeout(120)


async def test_the_widget_and_a_chat_across_nodes_go_through_the_gateway(cluster: tuple[Node, Node]) -> None:
    a, b = cluster
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{a.port}/widget/onduty.js") as direct:
            script = await direct.read()
        async with http.get(f"http://127.0.0.1:{b.port}/widget/onduty.js") as passed:
            assert passed.status == 200
            assert await passed.read() == script
            assert passed.headers["Content-Type"].startswith(("application/javascript", "text/javascript"))

    clients: list[AgentClient | RequestorClient] = []
    try:
        clients.append(ann := AgentClient(a.url, "ann", password=PASSWORD, request_timeout=WAIT))
        await ann.start()
        await ann.set_duty(True)
        # a page served by the gateway itself talks to the gateway: its own origin is allowed there
        clients.append(rita := RequestorClient(b.url, origin=f"http://127.0.0.1:{b.port}",
                                               request_timeout=WAIT))
        await rita.start()
        chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="via the gateway")
        await until_event(ann, ChatAssigned)
        uploaded = await ann.upload_file(chat_id, b"%PDF-1.4 invoice", "invoice.pdf", content_type="application/pdf")
        got = await until_event(rita, ChatMessage)
        while isinstance(got, ChatMessage) and got.file is None:
            got = await until_event(rita, ChatMessage)
        assert isinstance(got, ChatMessage) and got.seq == uploaded.seq
        assert got.file is not None and got.file.name == "invoice.pdf"
    finally:
        for client in clients:
            await client.close()


async def test_a_page_of_another_origin_is_refused_through_the_gateway(cluster: tuple[Node, Node]) -> None:
    _a, b = cluster
    rita = RequestorClient(b.url, origin="https://evil.example", request_timeout=WAIT)
    with pytest.raises(SessionEnded) as refused:
        await rita.start()
    await rita.close()
    assert refused.value.code is ErrorCode.ORIGIN_NOT_ALLOWED


async def test_colleagues_on_different_nodes_see_each_other_and_exchange_instant_messages(
    cluster: tuple[Node, Node],
) -> None:
    a, b = cluster
    clients: list[AgentClient] = []
    try:
        clients.append(ann := AgentClient(a.url, "ann", password=PASSWORD, request_timeout=WAIT))
        clients.append(bob := AgentClient(b.url, "bob", password=PASSWORD, request_timeout=WAIT))
        await ann.start()
        await bob.start()
        contacts = await ann.add_contact("bob")  # mutual: bob has ann in his list too
        assert [(c.username, c.presence) for c in contacts] == [("bob", ContactPresence.ONLINE)]  # on the other node
        await ann.im_send("bob", "lunch at noon?")
        got = await until_event(bob, ImMessage)
        assert isinstance(got, ImMessage) and (got.peer, got.sender, got.text) == ("ann", "ann", "lunch at noon?")
    finally:
        for client in clients:
            await client.close()


async def test_the_owners_close_code_and_reason_reach_the_client_through_the_gateway(
    cluster: tuple[Node, Node],
) -> None:
    _a, b = cluster
    async with aiohttp.ClientSession() as http, http.ws_connect(
            f"ws://127.0.0.1:{b.port}/ws/requestor", headers={"Origin": "https://evil.example"}) as ws:
        first = await ws.receive()
        assert first.type is aiohttp.WSMsgType.BINARY  # the typed error, passed on unchanged
        closing = await ws.receive()
        assert closing.type is aiohttp.WSMsgType.CLOSE
        assert (ws.close_code, closing.extra) == (CloseCode.POLICY_VIOLATION, "origin_not_allowed")


async def test_a_gateway_never_passes_on_what_another_gateway_passed_on(cluster: tuple[Node, Node]) -> None:
    _a, b = cluster
    async with aiohttp.ClientSession() as http, http.get(
            f"http://127.0.0.1:{b.port}/widget/onduty.js", headers={"X-OnDuty-Gateway": "c"}) as answer:
        assert answer.status == 503
        assert (await answer.json())["code"] == "unavailable"


async def test_a_gateway_keeps_the_owners_metrics_to_the_owner(cluster: tuple[Node, Node]) -> None:
    a, b = cluster
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{b.port}/metrics") as passed:
            assert passed.status == 404  # else anyone reaching a gateway would read them as the gateway
        async with http.get(f"http://127.0.0.1:{a.port}/metrics") as direct:
            assert direct.status == 200 and "onduty_open_chats" in await direct.text()


async def test_a_node_started_again_in_place_of_its_dead_self_waits_for_the_lease_instead_of_calling_itself(
    pg_url: str, redis_url: str, tmp_path: Path,
) -> None:
    await seed(pg_url)
    # The new process must be up before what is left of its predecessor's lease (at least three quarters of it)
    # runs out: with a 3 s lease, starting a node on a loaded 2-core CI machine once took longer than that.
    first = start_node("a", pg_url, redis_url, tmp_path, lease_s=10.0)
    again: Node | None = None
    try:
        await first.until_role("owner")
        first.kill()
        again = start_node("a", pg_url, redis_url, tmp_path, lease_s=10.0, port=first.port)  # same name and address
        health = await again.until_role("gateway")
        assert health["owner"] == "a"  # its predecessor's lease, not yet expired
        assert await again.ready() == 503  # nobody to pass clients to: not itself
        assert (await again.until_role("owner"))["epoch"] == 2
    finally:
        first.stop()
        if again is not None:
            again.stop()


async def test_a_supervisor_signs_in_to_the_console_and_watches_it_live_through_a_gateway(
    cluster: tuple[Node, Node], pg_url: str,
) -> None:
    _a, b = cluster
    store = PostgresStore(pg_url)
    await store.open()
    try:
        await store.set_role("bob", StaffRole.SUPERVISOR, ["cim-emea"])
    finally:
        await store.close()
    own = f"http://127.0.0.1:{b.port}"  # the console page as the browser got it: from the gateway
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        signed_in = await http.post(f"{own}/console/api/session", json={"username": "bob", "password": PASSWORD},
                                    headers={"Origin": own})
        assert signed_in.status == 200, await signed_in.text()
        assert "HttpOnly" in signed_in.headers["Set-Cookie"]
        async with http.ws_connect(f"ws://127.0.0.1:{b.port}/console/ws", headers={"Origin": own}) as ws:
            wire = Wire(ws)
            await wire.send(Hello(protocol=PROTOCOL_VERSION, client="tests"))
            await wire.expect(Welcome)
            state = await wire.expect(ConsoleState)
            assert (state.username, state.queues) == ("bob", ["cim-emea"])
            queue = await wire.expect(ConsoleQueue)
            assert (queue.queue, queue.title, queue.on_duty, queue.staffed) == ("cim-emea", "CIM EMEA", 0, True)
