"""A keyring backend for the installer test: a JSON file named by ``ONDUTY_TEST_KEYRING_FILE``.

Not part of any package. The test copies this module into a temporary folder and points the
installed agent at it with keyring's own configuration file (``$XDG_CONFIG_HOME/python_keyring/
keyringrc.cfg``: ``keyring-path`` puts the folder on ``sys.path``, ``default-keyring`` names the
class), so the frozen bundle imports it at run time and the shipped bundle holds no test code.
It uses only the standard library and keyring, both inside the bundle.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    priority = 1

    @staticmethod
    def _path() -> Path:
        return Path(os.environ["ONDUTY_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self._path().read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def _save(self, items: dict[str, str]) -> None:
        tmp = self._path().with_suffix(".tmp")
        tmp.write_text(json.dumps(items), encoding="utf-8")
        tmp.replace(self._path())

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\n{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        items = self._load()
        items[f"{service}\n{username}"] = password
        self._save(items)

    def delete_password(self, service: str, username: str) -> None:
        items = self._load()
        if items.pop(f"{service}\n{username}", None) is None:
            raise PasswordDeleteError(username)
        self._save(items)
