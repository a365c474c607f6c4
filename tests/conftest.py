"""Suite-wide settings."""

from __future__ import annotations

import os
import random
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores the same examples on every run (a red build means a change broke something);
# developers' runs explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")



# --- voice calls: a TURN server on loopback ------------------------------------------------------

TURNSERVER = Path("/usr/bin/turnserver")


@dataclass(frozen=True)
class Turn:
    url: str
    secret: str


def _free_port() -> int:
    """A port free for both UDP and TCP (coturn listens on both), below the ephemeral range so that no
    outgoing connection of another test takes it meanwhile."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20000, 32000)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, socket.socket() as t:
                u.bind(("127.0.0.1", port))
                t.bind(("127.0.0.1", port))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port for coturn")


def _answers_stun(port: int) -> bool:
    request = struct.pack("!HHI12s", 0x0001, 0, 0x2112A442, os.urandom(12))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        s.sendto(request, ("127.0.0.1", port))
        try:
            return s.recv(512)[:2] == b"\x01\x01"
        except OSError:
            return False


@pytest.fixture
def turn_server(tmp_path: Path) -> Iterator[Turn]:
    """Debian's coturn on 127.0.0.1 with the TURN REST scheme (``use-auth-secret``), relaying on loopback only, so
    that both ends of a test call (relay-only) send media to 127.0.0.1 and nowhere else. Needs coturn (scripts/test
    installs it with ONDUTY_APT); fails, never skips, without it."""
    if not TURNSERVER.exists():
        pytest.fail("coturn is not installed: apt-get install coturn (scripts/test does)")
    port, secret = _free_port(), "turn-test-secret"
    with (tmp_path / "turnserver.log").open("wb") as log_file:
        process = subprocess.Popen(
            [str(TURNSERVER), "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}",
             "--min-port=49152", "--max-port=65535", "--use-auth-secret", f"--static-auth-secret={secret}",
             "--realm=onduty.test", "--allow-loopback-peers", "--no-tls", "--no-dtls", "--no-cli", "--fingerprint",
             f"--pidfile={tmp_path / 'turnserver.pid'}", "--log-file=stdout", "--simple-log", "--no-tcp-relay"],
            stdout=log_file, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 10.0
        while not _answers_stun(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (tmp_path / "turnserver.log").read_text(errors="replace")[-2000:]
                pytest.fail(f"coturn did not start on 127.0.0.1:{port}:\n{log}")
        yield Turn(f"turn:127.0.0.1:{port}?transport=udp", secret)
    finally:
        process.terminate()
        try:
            process.wait(5.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
