"""The shipped HAProxy configuration in front of two nodes: clients use one URL; the owner dies (kill -9)
and they come back through the proxy to the node that took over, resuming with nothing lost or doubled."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest

from onduty.client.net import AgentClient, RequestorClient
from onduty.shared.messages import ChatAssigned
from tests.cluster.nodes import PASSWORD, Node, free_port, seed, start_node
from tests.cluster.test_failover import WAIT, seqs_until, until_event

pytestmark = pytest.mark.timeout(120)
SHIPPED = Path(__file__).parents[2] / "installers" / "server" / "haproxy.cfg"


def proxy_config(port: int, nodes: list[Node]) -> str:
    """The shipped file with the test's addresses: plain HTTP on a loopback port, the test's nodes, and
    fewer connections than a production machine's file-descriptor limit allows."""
    text = re.sub(r"(?m)^    maxconn \d+$", "    maxconn 2000", SHIPPED.read_text())
    text, binds = re.subn(r"(?m)^    bind .*$", f"    bind 127.0.0.1:{port}", text)
    text = re.sub(r"(?m)^    server .*\n", "", text)
    servers = "".join(f"    server {n.name} 127.0.0.1:{n.port} check\n" for n in nodes)
    assert binds == 1
    return text.rstrip("\n") + "\n" + servers


@pytest.fixture
def haproxy() -> str:
    path = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(path).exists():
        pytest.fail("HAProxy is not installed (scripts/test installs Debian's haproxy)", pytrace=False)
    return path


async def test_clients_behind_haproxy_come_back_through_it_when_the_owner_dies(
    pg_url: str, redis_url: str, tmp_path: Path, haproxy: str,
) -> None:
    await seed(pg_url)
    a = start_node("a", pg_url, redis_url, tmp_path)
    b: Node | None = None
    proxy: subprocess.Popen[bytes] | None = None
    clients: list[AgentClient | RequestorClient] = []
    try:
        await a.until_role("owner")
        b = start_node("b", pg_url, redis_url, tmp_path)
        await b.until_role("gateway")
        port = free_port()
        proxy_log = tmp_path / "haproxy.log"
        proxy = start_proxy(haproxy, tmp_path / "haproxy.cfg", proxy_config(port, [a, b]), proxy_log)
        url = f"ws://127.0.0.1:{port}"
        await until_proxied(port, proxy_log)

        clients.append(ann := AgentClient(url, "ann", password=PASSWORD, request_timeout=WAIT))
        await ann.start()
        await ann.set_duty(True)
        clients.append(rita := RequestorClient(url, request_timeout=WAIT))
        await rita.start()
        chat_id = await rita.request_chat("cim-emea", "Rita Requestor", text="hello")
        await until_event(ann, ChatAssigned)

        a.kill()
        await b.until_role("owner")
        await rita.wait_ready()
        assert await rita.send(chat_id, "through the proxy again") == 2
        seen = await seqs_until(ann, chat_id, 2)
        assert len(seen) == len(set(seen)) and seen[-1] == 2
    finally:
        for client in clients:
            await client.close()
        if proxy is not None:
            proxy.terminate()
            proxy.wait(10)
        a.stop()
        if b is not None:
            b.stop()


def start_proxy(haproxy: str, config: Path, text: str, log: Path) -> subprocess.Popen[bytes]:
    """HAProxy in the foreground on ``text`` as its configuration, after checking it (``-c``)."""
    config.write_text(text)
    check = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    with log.open("wb") as out:
        return subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT)


def read(log: Path) -> str:
    return log.read_text(errors="replace")


async def until_proxied(port: int, log: Path) -> None:
    """Wait until HAProxy answers and has found the owner (its health checks run every 500 ms)."""
    deadline = time.monotonic() + WAIT
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"http://127.0.0.1:{port}/readyz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError(f"HAProxy did not pass requests to the owner:\n{read(log)}")
