"""Online backup: a consistent copy of the live database through SQLite's backup API.

The source is opened read-only and copied inside one read transaction, so the daemon keeps serving
and writing (WAL) meanwhile. The copy is private (0600) from its first byte, a single file (rollback
journal mode, no -wal beside it), checked with `PRAGMA integrity_check`, and only then moved into place.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote


class BackupError(Exception):
    """The backup cannot be made (no database, the destination exists, the copy is damaged …)."""


@dataclass(frozen=True)
class BackupResult:
    """What was written."""

    path: Path
    size_bytes: int
    schema_version: int
    counts: dict[str, int]


COUNTED_TABLES = ("portfolios", "wheels", "trades")


def backup_database(source: Path, dest: Path, *, force: bool = False, busy_timeout_ms: int = 5000) -> BackupResult:
    """Copy the database at `source` to `dest`; refuses an existing `dest` unless `force`."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if dest.exists() and not force:
        raise BackupError(f"{dest} exists; pass --force to replace it")
    if dest.exists() and dest.resolve() == source.resolve():
        raise BackupError(f"{dest} is the database itself")
    if not dest.parent.is_dir():
        raise BackupError(f"directory {dest.parent} does not exist")
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask may have masked O_CREAT's mode; the copy holds every record
        os.close(fd)
        result = _copy(source, partial, busy_timeout_ms)
        _fsync(partial)
        os.replace(partial, dest)
        _fsync(dest.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupResult(dest, dest.stat().st_size, *result)


def _copy(source: Path, target: Path, busy_timeout_ms: int) -> tuple[int, dict[str, int]]:
    # mode=ro: the backup never writes to the live database (SQLite gives any -shm it must create the
    # database file's owner and mode).
    src = sqlite3.connect(f"file:{quote(str(source.resolve()))}?mode=ro", uri=True)
    try:
        src.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        version = src.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            raise BackupError(f"{source} is not a wheeld database (no schema version)")
        dst = sqlite3.connect(target, isolation_level=None)
        try:
            src.backup(dst)  # all pages in one step: one read transaction, one consistent snapshot
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            problems = [row[0] for row in dst.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"the copy failed its integrity check: {'; '.join(problems[:5])}")
            counts = {table: dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED_TABLES}
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {source}: {exc}") from None
    finally:
        src.close()
    return version, counts


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
