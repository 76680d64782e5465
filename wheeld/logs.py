"""Logging set-up: text or JSON lines, levels from config, and a filter that redacts secrets."""

from __future__ import annotations

import contextlib
import io
import logging
import logging.handlers
import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pythonjsonlogger.json import JsonFormatter

REDACTED = "[REDACTED]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Names under which secrets travel: in `name=value` text and as keys of logged mappings.
_SECRET_NAMES = (
    r"access_token|refresh_token|id_token|api[_-]?key|app[_-]?secret|app[_-]?key|client_secret"
    r"|token|secret|password|authorization"
)
# Secrets that can appear in text we did not write ourselves (URLs, headers, JSON bodies, reprs).
_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(rf"(?i)((?:{_SECRET_NAMES})[\"']?\s*[:=]\s*[\"']?)([^\"'\s,&}}]{{4,}})"),
)
_SECRET_KEY = re.compile(rf"(?i)[\w-]*(?:{_SECRET_NAMES})")
_MAX_DEPTH = 6


class RedactingFilter(logging.Filter):
    """Replaces known secret values and secret-looking key/value pairs in every record.

    It sits on the handler, so every record that handler writes passes through it, whichever logger
    it came from. It rewrites the record itself: message, exception and stack text, and extra fields.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self.add_secrets(secrets)

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Register exact secret values to redact (short ones are ignored to avoid mangling text)."""
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def redact(self, text: str) -> str:
        """Return `text` with secrets replaced."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _PATTERNS[0].sub(lambda m: m.group(1) + REDACTED, text)
        return _PATTERNS[1].sub(lambda m: m.group(1) + REDACTED, text)

    def scrub(self, value: Any, depth: int = 0) -> Any:
        """A copy of a logged value (str, mapping, list, tuple) with secrets replaced; other values as is."""
        if isinstance(value, str):
            return self.redact(value)
        if depth >= _MAX_DEPTH and isinstance(value, Mapping | list | tuple):
            return self.redact(repr(value))
        if isinstance(value, Mapping):
            return {
                key: REDACTED
                if isinstance(key, str) and _SECRET_KEY.fullmatch(key) and isinstance(item, str | bytes)
                else self.scrub(item, depth + 1)
                for key, item in value.items()
            }
        if type(value) in (list, tuple):
            return type(value)(self.scrub(item, depth + 1) for item in value)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (args merged), exception and stack text and extras without secrets."""
        if isinstance(record.msg, Mapping) and not record.args:
            record.msg = self.scrub(record.msg)  # python-json-logger renders a dict message as fields
        else:
            try:
                message = record.getMessage()
            except Exception:  # a broken format string would reach stderr, args and all, via handleError
                message = f"{record.msg!s} {record.args!r}"
            redacted = self.redact(message)
            if redacted != message or record.args:
                record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            # Formatters re-render exc_info when it is present (python-json-logger does): keep only the text.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for name, value in list(record.__dict__.items()):
            if name not in _STANDARD_ATTRS:
                setattr(record, name, self.scrub(value))
        return True


_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A size-rotated log file readable by its owner only (logs name symbols, positions and alerts)."""

    def _open(self) -> io.TextIOWrapper:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with contextlib.suppress(PermissionError):  # someone else's file: leave its mode to its owner
            os.fchmod(fd, 0o600)  # also when the file already existed, or the umask masked the mode
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def setup_logging(
    level: str = "INFO",
    fmt: str = "text",
    secrets: Iterable[str] = (),
    log_file: str = "",
    max_bytes: int = 10_000_000,
    backup_count: int = 5,
) -> RedactingFilter:
    """Configure the root logger once: one handler, the chosen format, the redaction filter."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_wheeld", False):
            root.removeHandler(handler)
            handler.close()
    handler: logging.Handler
    if log_file:
        Path(log_file).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handler = PrivateRotatingFileHandler(log_file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    handler._wheeld = True  # type: ignore[attr-defined]
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", rename_fields={"levelname": "level"})
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    redactor = RedactingFilter(secrets)
    handler.addFilter(redactor)
    root.addHandler(handler)
    root.setLevel(level)
    return redactor


def set_level(level: str) -> None:
    """Change the root log level live (config PUT)."""
    logging.getLogger().setLevel(level)
