"""The Linux installer, for real: build the bundle and the .deb, install, run, remove, purge.

One build per session (``built``): ``installers/linux/build.sh`` makes the PyInstaller bundle and
packs it (uncompressed, to keep the test fast). Every install goes into a throw-away root
(``dpkg --root DIR --force-script-chrootless``; the maintainer scripts and debconf honour
``DPKG_ROOT``) with its own dpkg database, debconf database and log, so this machine's packages,
/etc and /opt are never touched; the package's dependencies are not installed there
(``--force-depends``), the bundle uses this machine's libraries.

The installed agent is started from that root, offscreen, inside a private mount namespace in which
the root's /etc and /opt are laid over the real ones: the app reads its server only from the
installed preset /etc/onduty/agent.toml (written by the package from a debconf answer), finds the
agent's session token in a test keyring backend, and signs in to a test server without any input.
"""

from __future__ import annotations

import asyncio
import configparser
import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web

from onduty.client.desk.credentials import SERVICE, account
from onduty.client.net import AgentClient
from onduty.server.auth import Passwords
from onduty.server.config import ServerConfig
from onduty.server.shell.app import SHELL, make_app
from onduty.server.shell.peer import Peer
from onduty.server.store import AgentRecord, QueueRecord
from onduty.server.store.sqlite import SqliteStore
from onduty.shared.types import AgentProfile

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "installers" / "linux" / "build.sh"
PASSWORD = "correct horse"
WAIT = 10.0
START_WAIT = 60.0
"""The frozen app unpacks nothing (one-folder bundle) but loads Qt from a cold cache: give it time."""
ADMIN_PATHS = ("var/lib/dpkg", "var/cache/debconf", "var/log", "etc/debconf.conf")
"""The throw-away root's own bookkeeping (dpkg and debconf databases, the dpkg log)."""


@dataclass(frozen=True)
class Built:
    deb: Path
    bundle: Path
    seconds: float


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The bundle and the .deb, built once for this module."""
    if sys.platform != "linux" or shutil.which("dpkg-deb") is None or shutil.which("dpkg") is None:
        pytest.skip("the .deb is built and installed with dpkg-deb/dpkg (Debian or Ubuntu); not available here")
    if os.geteuid() != 0 and shutil.which("fakeroot") is None:
        pytest.skip("building the .deb as a normal user needs fakeroot (apt-get install fakeroot)")
    out = tmp_path_factory.mktemp("linux-installer")
    started = time.monotonic()
    result = subprocess.run(
        [str(BUILD), "--out", str(out), "--compress", "none"], capture_output=True, text=True, timeout=540,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (deb,) = out.glob("onduty-agent_*.deb")
    return Built(deb, out / "onduty-agent", time.monotonic() - started)


class DebRoot:
    """A throw-away root with its own dpkg and debconf databases."""

    def __init__(self, path: Path) -> None:
        self.path = path
        for folder in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "var/cache/debconf",
                       "var/log", "etc"):
            (path / folder).mkdir(parents=True, exist_ok=True)
        for name in ("status", "available"):
            (path / "var/lib/dpkg" / name).touch()
        shutil.copy("/etc/debconf.conf", path / "etc" / "debconf.conf")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ONDUTY_", "DEBCONF_", "DEBIAN_"))}
        path = env.get("PATH", "/usr/bin:/bin")
        env.update(DEBIAN_FRONTEND="noninteractive", PATH=f"/usr/local/sbin:/usr/sbin:/sbin:{path}", **extra)
        return env

    def dpkg(self, *args: str, **env: str) -> str:
        command = ["dpkg", f"--root={self.path}", f"--log={self.path}/var/log/dpkg.log", "--force-script-chrootless",
                   "--force-depends", *(["--force-not-root"] if os.geteuid() != 0 else []), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, env=self.env(**env))
        assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
        return result.stdout

    def preseed(self, *answers: str) -> None:
        """debconf answers (``onduty-agent onduty-agent/server string ...``) in this root's database."""
        result = subprocess.run(["debconf-set-selections"], input="\n".join(answers) + "\n", capture_output=True,
                                text=True, timeout=30, env=self.env(DPKG_ROOT=str(self.path)))
        assert result.returncode == 0, result.stderr

    def status(self) -> str:
        result = subprocess.run(["dpkg-query", f"--admindir={self.path}/var/lib/dpkg", "-W", "-f=${db:Status-Abbrev}",
                                 "onduty-agent"], capture_output=True, text=True, timeout=30)
        return result.stdout.strip() if result.returncode == 0 else "not known"

    def snapshot(self) -> set[str]:
        """Every file and folder, except the root's own bookkeeping."""
        return {str(p.relative_to(self.path)) for p in self.path.rglob("*")
                if not str(p.relative_to(self.path)).startswith(ADMIN_PATHS)}

    def debconf_mentions(self) -> list[str]:
        return [p.name for p in (self.path / "var/cache/debconf").glob("*.dat")
                if "onduty-agent" in p.read_text(encoding="utf-8", errors="replace")]


@pytest.fixture
def deb_root(tmp_path: Path) -> DebRoot:
    return DebRoot(tmp_path / "root")


def _preset(root: DebRoot) -> dict[str, object]:
    with (root.path / "etc/onduty/agent.toml").open("rb") as f:
        data = tomllib.load(f)
    agent = data["agent"]
    assert isinstance(agent, dict)
    return agent


def test_package_contents_and_metadata(built: Built, record_property: Callable[[str, object], None]) -> None:
    record_property("build_seconds", round(built.seconds))
    info = subprocess.run(["dpkg-deb", "-I", str(built.deb)], capture_output=True, text=True, check=True).stdout
    for needle in ("Package: onduty-agent", "Architecture: ", "Depends: debconf", "libc6 (>= ", "Installed-Size: ",
                   " conffiles", " config ", " postinst ", " postrm ", " templates "):
        assert needle in info, needle
    control = subprocess.run(["dpkg-deb", "-f", str(built.deb), "Version"], capture_output=True, text=True,
                             check=True).stdout.strip()
    assert control
    conffiles = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(built.deb)], capture_output=True, check=True).stdout
    assert b"./conffiles" in conffiles

    listing = subprocess.run(["dpkg-deb", "-c", str(built.deb)], capture_output=True, text=True, check=True).stdout
    entries = {line.split()[-1].removeprefix("."): line.split()[0] for line in listing.splitlines()}
    for path, mode in {
        "/usr/bin/onduty-agent": "-rwxr-xr-x",
        "/opt/onduty-agent/onduty-agent": "-rwxr-xr-x",
        "/etc/onduty/agent.toml": "-rw-r--r--",
        "/etc/xdg/autostart/onduty-agent.desktop": "-rw-r--r--",
        "/usr/share/applications/onduty-agent.desktop": "-rw-r--r--",
        "/usr/share/icons/hicolor/256x256/apps/onduty-agent.png": "-rw-r--r--",
    }.items():
        assert entries.get(path) == mode, (path, entries.get(path))
    assert all(" root/root " in line for line in listing.splitlines())
    # Self-contained: Python and Qt are in the bundle, no test or server code is.
    assert any("/opt/onduty-agent/_internal/libpython3" in p for p in entries)
    assert any("/opt/onduty-agent/_internal/PySide6/" in p for p in entries)
    assert not any("file_keyring" in p or "/onduty/server/" in p for p in entries)


def test_install_takes_preset_values_keeps_edits_and_purges_cleanly(built: Built, deb_root: DebRoot) -> None:
    before = deb_root.snapshot()
    deb_root.preseed("onduty-agent onduty-agent/server string ws://from-debconf.example:8765",
                     "onduty-agent onduty-agent/lock_server boolean true")
    deb_root.dpkg("-i", str(built.deb), ONDUTY_AGENT_SERVER="wss://chat.example.com",
                  ONDUTY_AGENT_AUTO_GREETING="yes")
    assert deb_root.status() == "ii"
    # The environment wins over debconf; what neither gave keeps the shipped default (commented out).
    assert _preset(deb_root) == {"server": "wss://chat.example.com", "lock_server": True, "auto_greeting": True}
    launcher = deb_root.path / "usr/bin/onduty-agent"
    assert os.access(launcher, os.X_OK)
    assert "exec /opt/onduty-agent/onduty-agent" in launcher.read_text()
    for entry in ("usr/share/applications/onduty-agent.desktop", "etc/xdg/autostart/onduty-agent.desktop"):
        desktop = configparser.ConfigParser(interpolation=None)
        desktop.read(deb_root.path / entry)
        assert desktop["Desktop Entry"]["Exec"] == "onduty-agent"
        assert desktop["Desktop Entry"]["Type"] == "Application"

    # IT edits the preset; an upgrade (here: the same version again) keeps the edit and asks nothing.
    preset = deb_root.path / "etc/onduty/agent.toml"
    preset.write_text(preset.read_text().replace("# notifications = true", "notifications = false"))
    deb_root.dpkg("-i", str(built.deb))
    assert _preset(deb_root) == {"server": "wss://chat.example.com", "lock_server": True, "auto_greeting": True,
                                 "notifications": False}
    assert not list(preset.parent.glob("*.dpkg-*"))

    # Remove keeps the conffiles (IT's preset); purge takes everything, debconf answers included.
    deb_root.dpkg("--remove", "onduty-agent")
    assert deb_root.status() == "rc"
    assert not (deb_root.path / "opt/onduty-agent").exists()
    assert not launcher.exists()
    assert preset.exists()
    deb_root.dpkg("--purge", "onduty-agent")
    assert deb_root.status() == "not known" or deb_root.status().startswith("p")
    assert deb_root.snapshot() == before
    assert deb_root.debconf_mentions() == []


@dataclass
class LiveServer:
    url: str
    online: asyncio.Queue[str]
    """Usernames of agents as they come online."""


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    config = ServerConfig(data_dir=tmp_path / "data", argon2_time_cost=1, argon2_memory_kib=64)
    config.data_dir.mkdir(parents=True)
    store = SqliteStore(config.db_path)
    await store.open()
    await store.add_queue(QueueRecord("cim-emea", "CIM EMEA", "EMEA", 120.0))
    await store.add_agent(AgentRecord("ann", "Ann Agent", "EMEA", "CIM", ("cim-emea",),
                                      Passwords(1, 64).hash(PASSWORD)))
    await store.close()
    app = make_app(config)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    online: asyncio.Queue[str] = asyncio.Queue()
    shell = app[SHELL]
    presence = shell.presence
    original = presence.connect

    def spy(profile: AgentProfile, peer: Peer) -> Peer | None:
        replaced = original(profile, peer)
        online.put_nowait(profile.username)
        return replaced

    presence.connect = spy  # type: ignore[method-assign]
    yield LiveServer(f"ws://127.0.0.1:{runner.addresses[0][1]}", online)
    await asyncio.wait_for(runner.cleanup(), WAIT)


def _namespace_command(root: Path) -> list[str]:
    """A private mount namespace where the root's /etc and /opt lie over the real ones (read-only)."""
    mounts = " && ".join(
        f"mount -t overlay overlay -o lowerdir={root}/{d}:/{d} /{d}" for d in ("etc", "opt")
    )
    user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    return ["unshare", *user, "--mount", "--propagation", "private", "sh", "-c", f'{mounts} && exec "$0" "$@"']


@pytest.fixture
def namespace_works(tmp_path: Path) -> None:
    probe = tmp_path / "probe"
    (probe / "etc").mkdir(parents=True)
    (probe / "opt").mkdir()
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) to run the installed agent with the throw-away root's /etc")
    result = subprocess.run([*_namespace_command(probe), "true"], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        pytest.skip("cannot make a private mount namespace with overlays here (needs root or unprivileged user "
                    f"namespaces), so the installed agent cannot see its preset: {result.stderr.strip()}")


@contextlib.contextmanager
def _home(tmp_path: Path, server_url: str, token: str) -> Iterator[dict[str, str]]:
    """An agent's home: signed in before (username in the settings, token in the keyring), nothing else."""
    home = tmp_path / "home"
    config = home / ".config"
    (config / "onduty").mkdir(parents=True)
    (config / "onduty" / "agent.toml").write_text('[agent]\nuser = "ann"\n')
    modules = tmp_path / "keyring-modules"
    modules.mkdir()
    shutil.copy(Path(__file__).with_name("file_keyring.py"), modules / "onduty_test_file_keyring.py")
    (config / "python_keyring").mkdir()
    (config / "python_keyring" / "keyringrc.cfg").write_text(
        f"[backend]\ndefault-keyring = onduty_test_file_keyring.FileKeyring\nkeyring-path = {modules}\n")
    keyring_file = tmp_path / "keyring.json"
    keyring_file.write_text(json.dumps({f"{SERVICE}\n{account(server_url, 'ann')}": token}))
    yield {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "XDG_CONFIG_HOME": str(config),
        "XDG_CACHE_HOME": str(home / ".cache"), "XDG_DATA_HOME": str(home / ".local/share"),
        "QT_QPA_PLATFORM": "offscreen", "ONDUTY_TEST_KEYRING_FILE": str(keyring_file), "LANG": "C.UTF-8",
    }


def _kept_tokens(path: str) -> dict[str, str]:
    tokens = json.loads(Path(path).read_text())
    assert isinstance(tokens, dict)
    return tokens


async def test_installed_agent_signs_in_to_the_preset_server_then_purges(
    built: Built, deb_root: DebRoot, server: LiveServer, namespace_works: None, tmp_path: Path,
) -> None:
    before = deb_root.snapshot()
    # The server address reaches the app only through the package: a debconf answer -> the preset.
    deb_root.preseed(f"onduty-agent onduty-agent/server string {server.url}",
                     "onduty-agent onduty-agent/lock_server boolean true")
    deb_root.dpkg("-i", str(built.deb))
    assert _preset(deb_root)["server"] == server.url

    # The agent signed in once before: the session token is in the keyring.
    client = AgentClient(server.url, "ann", password=PASSWORD, request_timeout=WAIT)
    await client.start()
    token = client.token
    assert token is not None
    await client.close()
    assert await asyncio.wait_for(server.online.get(), WAIT) == "ann"

    log = tmp_path / "agent.log"
    with _home(tmp_path, server.url, token) as env, log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *_namespace_command(deb_root.path), str(deb_root.path / "usr/bin/onduty-agent"), "--log-level", "info",
            stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
        )
        try:
            came = asyncio.ensure_future(server.online.get())
            exited = asyncio.ensure_future(process.wait())
            done, _ = await asyncio.wait({came, exited}, timeout=START_WAIT, return_when=asyncio.FIRST_COMPLETED)
            came.cancel()
            exited.cancel()
            assert came in done, f"the installed agent did not sign in; its log:\n{log.read_text(errors='replace')}"
            assert came.result() == "ann"
            assert process.returncode is None, log.read_text(errors="replace")
        finally:
            if process.returncode is None:
                process.terminate()
                await asyncio.wait_for(process.wait(), WAIT)
    assert "Traceback" not in log.read_text(errors="replace")
    # It signed in with the kept token: the keyring still holds it and no password was involved.
    assert _kept_tokens(env["ONDUTY_TEST_KEYRING_FILE"]) == {f"{SERVICE}\n{account(server.url, 'ann')}": token}

    deb_root.dpkg("--purge", "onduty-agent")
    assert deb_root.snapshot() == before
    assert deb_root.debconf_mentions() == []
