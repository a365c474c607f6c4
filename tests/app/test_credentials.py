"""The session token lives in the keyring; without a usable one, only in memory and only if allowed."""

from __future__ import annotations

from keyring.backends import fail, null
from keyring.errors import PasswordSetError

from onduty.client.desk.credentials import SERVICE, TokenStore, account, backend_usable

from .conftest import MemoryKeyring


def test_token_is_kept_per_server_and_user_and_forgotten(memory_keyring: MemoryKeyring) -> None:
    store = TokenStore(memory_keyring)
    assert store.persistent
    assert store.put("ws://a", "ann", "tok")
    assert memory_keyring.items == {(SERVICE, account("ws://a", "ann")): "tok"}
    assert store.get("ws://a", "ann") == "tok"
    assert store.get("ws://b", "ann") is None
    assert TokenStore(memory_keyring).get("ws://a", "ann") == "tok"  # the next start finds it
    store.forget("ws://a", "ann")
    store.forget("ws://a", "ann")  # nothing left: no error
    assert memory_keyring.items == {}


def test_without_a_keyring_nothing_is_stored_until_the_agent_agrees() -> None:
    for backend in (fail.Keyring(), null.Keyring()):
        assert not backend_usable(backend)
        store = TokenStore(backend)
        assert not store.persistent
        assert not store.put("ws://a", "ann", "tok")
        assert store.get("ws://a", "ann") is None
        store.keep_for_this_run()
        assert store.put("ws://a", "ann", "tok")
        assert store.get("ws://a", "ann") == "tok"
        assert TokenStore(backend).get("ws://a", "ann") is None  # gone with the run


class RefusingKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("locked")


def test_a_keyring_that_refuses_to_store_counts_as_unusable() -> None:
    store = TokenStore(RefusingKeyring())
    assert not store.put("ws://a", "ann", "tok")
    assert not store.persistent
