"""The session token, kept in the OS keyring; never the password, never a plain-text file.

When the keyring has no usable backend (headless Linux without a secret service) the app asks the
agent whether to keep the token in memory for this run only (:meth:`TokenStore.keep_for_this_run`).
The backend is passed in, so tests choose one explicitly.
"""

from __future__ import annotations

import logging

from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringError

log = logging.getLogger(__name__)

SERVICE = "OnDuty agent"


def backend_usable(backend: KeyringBackend) -> bool:
    """False for keyring's "no backend" placeholders (fail, null, an empty chain)."""
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(backend_usable(b) for b in backend.backends)
    return True


def account(server: str, user: str) -> str:
    """One keyring entry per (server, user): signing in elsewhere does not overwrite it."""
    return f"{user}@{server}"


class TokenStore:
    """Get, keep and forget the session token of ``user`` on ``server``."""

    def __init__(self, backend: KeyringBackend) -> None:
        self._backend = backend
        self._usable = backend_usable(backend)
        self._memory: dict[str, str] = {}
        self._memory_only = False

    @property
    def persistent(self) -> bool:
        """Tokens survive a restart (a working keyring and not switched to this-run-only)."""
        return self._usable and not self._memory_only

    @property
    def backend_name(self) -> str:
        return type(self._backend).__name__ if self._usable else "none"

    def keep_for_this_run(self) -> None:
        """The agent agreed: keep tokens in memory only; they are gone when the app quits."""
        self._memory_only = True

    def get(self, server: str, user: str) -> str | None:
        key = account(server, user)
        if key in self._memory:
            return self._memory[key]
        if not self.persistent:
            return None
        try:
            return self._backend.get_password(SERVICE, key)
        except KeyringError as exc:
            log.warning("cannot read the keyring: %s", exc)
            return None

    def put(self, server: str, user: str, token: str) -> bool:
        """Store the token; False when nothing durable can hold it (the caller asks the agent)."""
        key = account(server, user)
        if self._memory_only:
            self._memory[key] = token
            return True
        if not self._usable:
            return False
        try:
            self._backend.set_password(SERVICE, key, token)
        except KeyringError as exc:
            log.warning("cannot write to the keyring: %s", exc)
            self._usable = False
            return False
        return True

    def forget(self, server: str, user: str) -> None:
        key = account(server, user)
        self._memory.pop(key, None)
        if not self._usable:
            return
        try:
            if self._backend.get_password(SERVICE, key) is not None:
                self._backend.delete_password(SERVICE, key)
        except KeyringError as exc:
            log.warning("cannot remove the token from the keyring: %s", exc)
