"""Schema versioning with PRAGMA user_version: fresh files get schema.sql, older ones ordered migrations.

Migrations are forward-only and numbered (`migrations/NNNN_name.sql`); they run in one transaction
after a backup copy of the existing file. A database newer than this code is refused.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True)
class Migration:
    """One numbered schema step."""

    version: int
    name: str
    sql: str


class SchemaTooNew(RuntimeError):
    """The database was written by a newer wheeld."""


class NotAWheeldDatabase(RuntimeError):
    """The file holds tables but no schema version: another program's database (e.g. the legacy CLI's)."""


def load_migrations() -> list[Migration]:
    """The packaged migrations in version order (gaps and duplicates are a packaging bug)."""
    found: list[Migration] = []
    for entry in resources.files("wheeld.db").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..n without gaps: {[m.name for m in found]}")
    return found


def current_schema_sql() -> str:
    """The whole current schema (schema.sql, shipped inside the package)."""
    return resources.files("wheeld").joinpath("schema.sql").read_text(encoding="utf-8")


def latest_version() -> int:
    """The schema version this code writes."""
    return len(load_migrations())


def split_statements(script: str) -> list[str]:
    """Split a SQL script into complete statements (so they can run inside one transaction)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement: {buffer.strip()[:80]}")
    return statements


def backup_file(path: Path, version: int, now: datetime | None = None) -> Path:
    """Consistent copy of the database beside it (SQLite backup API), before a migration."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.v{version}-{stamp}.bak")
    # Private from the first byte (it holds the same records as the database), not only after the copy.
    os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))
    target.chmod(0o600)
    source = sqlite3.connect(path)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    target.chmod(0o600)
    return target


def migrate(conn: sqlite3.Connection, path: Path | None) -> tuple[int, int, Path | None]:
    """Bring the open database to the latest version; returns (from, to, backup path or None).

    `conn` must be in autocommit mode (isolation_level=None).
    """
    latest = latest_version()
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > latest:
        raise SchemaTooNew(f"database schema version {version} is newer than this wheeld ({latest}); upgrade wheeld")
    if version == latest:
        return version, version, None
    if version == 0:
        # Every file wheeld writes has user_version >= 1; tables without one belong to someone else.
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        if names:
            raise NotAWheeldDatabase(
                f"{path or 'the database'} is not a wheeld database (tables {', '.join(sorted(names))}"
                " but no schema version); point database.path elsewhere, or import a legacy"
                " database with `wheeld migrate-legacy`"
            )
        _apply(conn, split_statements(current_schema_sql()), latest)
        return 0, latest, None
    backup = backup_file(path, version) if path is not None else None
    steps = [m for m in load_migrations() if m.version > version]
    statements = [stmt for m in steps for stmt in split_statements(m.sql)]
    _apply(conn, statements, latest)
    log.info("database migrated from v%d to v%d (backup: %s)", version, latest, backup)
    return version, latest, backup


def _apply(conn: sqlite3.Connection, statements: list[str], version: int) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {int(version)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
