"""The Schwab OAuth token file, encrypted at rest with Fernet; keys and tokens never reach a log.

The key comes from an environment variable (a Fernet key, urlsafe base64 of 32 bytes) or from a key
file created with mode 0600 on first use. Files are written atomically (temporary file + rename).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

DEFAULT_KEY_ENV = "WHEELD_TOKEN_KEY"


class TokenStoreError(Exception):
    """The token (or its key) is missing, unreadable or cannot be decrypted."""


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is masked by the umask; this is not
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


@dataclass(frozen=True)
class TokenKey:
    """Where the Fernet key comes from: an environment variable, else a key file."""

    env_var: str | None = DEFAULT_KEY_ENV
    key_file: Path | None = None
    environ: Mapping[str, str] | None = field(default=None, repr=False, compare=False)

    def load(self) -> bytes:
        """The key bytes; creates the key file (mode 0600) when neither source has one yet."""
        env = os.environ if self.environ is None else self.environ
        if self.env_var and env.get(self.env_var):
            key = env[self.env_var].strip().encode()
            _check_key(key, f"environment variable {self.env_var}")
            return key
        if self.key_file is None:
            raise TokenStoreError(
                f"no token key: set {self.env_var or 'a key environment variable'} or configure a key file"
            )
        path = Path(self.key_file)
        if path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077:
                raise TokenStoreError(f"key file {path} is accessible to other users (mode {mode:o}): chmod 600 it")
            key = path.read_bytes().strip()
            _check_key(key, f"key file {path}")
            return key
        key = Fernet.generate_key()
        _write_private(path, key + b"\n")
        return key


def _check_key(key: bytes, where: str) -> None:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        # The message names where the key came from, never the key itself.
        raise TokenStoreError(f"{where} does not hold a valid Fernet key") from None


class EncryptedTokenStore:
    """Reads and writes one JSON token document, encrypted with Fernet, at `path` (mode 0600)."""

    def __init__(self, path: Path | str, key_source: TokenKey | None = None) -> None:
        self.path = Path(path)
        self._key_source = key_source or TokenKey()
        self._fernet: Fernet | None = None
        self._creation_timestamp: float | None = None

    def __repr__(self) -> str:
        return f"EncryptedTokenStore(path={str(self.path)!r})"

    def _cipher(self) -> Fernet:
        if self._fernet is None:
            self._fernet = Fernet(self._key_source.load())
        return self._fernet

    def exists(self) -> bool:
        """Whether a token file is present."""
        return self.path.exists()

    def read(self) -> dict[str, Any]:
        """The decrypted token document."""
        try:
            blob = self.path.read_bytes()
        except FileNotFoundError:
            raise TokenStoreError(f"no Schwab token at {self.path}: run `wheeld auth schwab`") from None
        try:
            document = json.loads(self._cipher().decrypt(blob))
        except InvalidToken:
            raise TokenStoreError(f"cannot decrypt {self.path}: wrong key, or the file was altered") from None
        if not isinstance(document, dict):
            raise TokenStoreError(f"{self.path} does not hold a token document")
        self._remember(document)
        return document

    def write(self, document: Mapping[str, Any]) -> None:
        """Encrypt and store `document`, replacing the file atomically."""
        blob = self._cipher().encrypt(json.dumps(dict(document)).encode())
        _write_private(self.path, blob)
        self._remember(document)

    def _remember(self, document: Mapping[str, Any]) -> None:
        created = document.get("creation_timestamp")
        if isinstance(created, int | float):
            self._creation_timestamp = float(created)

    def refresh_token_issued_at(self) -> float | None:
        """Unix time the refresh token was issued (schwab-py's creation_timestamp), if known."""
        if self._creation_timestamp is None and self.exists():
            try:
                self.read()
            except TokenStoreError:
                return None
        return self._creation_timestamp

    def age_seconds(self, now: float) -> float | None:
        """Seconds since the file was last written (the access token refreshes every ~30 min)."""
        try:
            return max(now - self.path.stat().st_mtime, 0.0)
        except FileNotFoundError:
            return None
