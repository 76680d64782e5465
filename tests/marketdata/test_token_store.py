"""The Schwab token at rest: Fernet-encrypted, 0600, atomic, and never shown in logs or reprs."""

import json
import logging
import os
import stat

import pytest
from cryptography.fernet import Fernet

from wheeld.marketdata.token_store import EncryptedTokenStore, TokenKey, TokenStoreError

SECRET_TOKEN = {
    "creation_timestamp": 1_795_000_000,
    "token": {"access_token": "SECRET-ACCESS", "refresh_token": "SECRET-REFRESH"},
}


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_round_trip_encrypted_0600_with_a_key_file_created_on_first_use(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    key_file = tmp_path / "keys" / "token.key"
    store = EncryptedTokenStore(tmp_path / "schwab_token.enc", TokenKey(None, key_file))
    store.write(SECRET_TOKEN)
    raw = store.path.read_bytes()
    with pytest.raises(ValueError):
        json.loads(raw)
    assert b"SECRET" not in raw
    assert mode(store.path) == 0o600
    assert mode(key_file) == 0o600
    assert store.read() == SECRET_TOKEN
    # A second store (e.g. after a restart) reads it with the same key file.
    again = EncryptedTokenStore(store.path, TokenKey(None, key_file))
    assert again.read() == SECRET_TOKEN
    assert again.refresh_token_issued_at() == 1_795_000_000
    key = key_file.read_bytes().strip().decode()
    for shown in (repr(store), repr(again), repr(TokenKey(None, key_file)), caplog.text):
        assert "SECRET" not in shown and key not in shown
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed, not left behind


def test_key_from_environment_variable(tmp_path):
    key = Fernet.generate_key().decode()
    source = TokenKey("WHEELD_TOKEN_KEY", tmp_path / "unused.key", environ={"WHEELD_TOKEN_KEY": key})
    store = EncryptedTokenStore(tmp_path / "t.enc", source)
    store.write(SECRET_TOKEN)
    assert not (tmp_path / "unused.key").exists()
    assert json.loads(Fernet(key.encode()).decrypt(store.path.read_bytes())) == SECRET_TOKEN


def test_wrong_key_cannot_read_and_says_so_without_the_key(tmp_path):
    store = EncryptedTokenStore(tmp_path / "t.enc", TokenKey(None, tmp_path / "a.key"))
    store.write(SECRET_TOKEN)
    other = EncryptedTokenStore(store.path, TokenKey(None, tmp_path / "b.key"))
    with pytest.raises(TokenStoreError, match="cannot decrypt"):
        other.read()


def test_missing_token_and_bad_keys(tmp_path):
    store = EncryptedTokenStore(tmp_path / "none.enc", TokenKey(None, tmp_path / "k.key"))
    with pytest.raises(TokenStoreError, match="wheeld auth schwab"):
        store.read()
    assert store.refresh_token_issued_at() is None
    bad = TokenKey("K", None, environ={"K": "not-a-fernet-key"})
    with pytest.raises(TokenStoreError, match="environment variable K") as caught:
        bad.load()
    assert "not-a-fernet-key" not in str(caught.value)
    with pytest.raises(TokenStoreError, match="no token key"):
        TokenKey("K", None, environ={}).load()


def test_a_key_file_others_can_read_is_refused(tmp_path):
    key_file = tmp_path / "token.key"
    key_file.write_bytes(Fernet.generate_key())
    key_file.chmod(0o644)
    with pytest.raises(TokenStoreError, match="chmod 600"):
        TokenKey(None, key_file).load()


def test_rewrite_keeps_mode_and_replaces_atomically(tmp_path):
    store = EncryptedTokenStore(tmp_path / "t.enc", TokenKey(None, tmp_path / "k.key"))
    store.write(SECRET_TOKEN)
    first_inode = os.stat(store.path).st_ino
    store.write({**SECRET_TOKEN, "token": {"access_token": "NEWER"}})
    assert store.read()["token"]["access_token"] == "NEWER"
    assert mode(store.path) == 0o600
    assert os.stat(store.path).st_ino != first_inode  # a new file renamed over the old one
    assert store.age_seconds(os.stat(store.path).st_mtime + 5) == pytest.approx(5)
