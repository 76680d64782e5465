"""Schema versioning: fresh files, migrations of existing files with a backup, refusals and rollbacks."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import stat
from pathlib import Path

import pytest

from wheeld.db import migrations
from wheeld.db.connection import Database
from wheeld.db.migrations import (
    Migration,
    NotAWheeldDatabase,
    SchemaTooNew,
    latest_version,
    load_migrations,
    migrate,
)

NOW = "2026-11-24T15:00:00Z"


def file_mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def normalized_schema(conn: sqlite3.Connection) -> set[tuple[str, str, str, str]]:
    """Every table, index, view and trigger with its SQL, whitespace and comments normalized."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    result = set()
    for kind, name, table, sql in rows:
        text = re.sub(r"--[^\n]*", "", sql or "")
        text = re.sub(r"\s+", " ", text).replace("( ", "(").replace(" )", ")").strip()
        result.add((kind, name, table, text))
    return result


def create_at_version(path: Path, version: int) -> None:
    """A database built by applying only the first `version` migrations, as an older wheeld left it."""
    conn = connect(path)
    try:
        for migration in load_migrations()[:version]:
            conn.executescript(migration.sql)
        conn.execute(f"PRAGMA user_version = {version}")
    finally:
        conn.close()


def tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return {r[0] for r in rows}


# --- migrations as shipped -----------------------------------------------------------------------------


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    found = load_migrations()
    assert found, "at least the initial migration ships"
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    assert latest_version() == len(found)


def test_schema_sql_declares_the_latest_version() -> None:
    assert f"user_version = {latest_version()}" in migrations.current_schema_sql()


def test_all_migrations_from_v0_give_schema_sql(tmp_path: Path) -> None:
    """schema.sql is the whole current schema: replaying every migration must end in the same place."""
    fresh, replayed = connect(tmp_path / "fresh.db"), connect(tmp_path / "replayed.db")
    try:
        fresh.executescript(migrations.current_schema_sql())
        for migration in load_migrations():
            replayed.executescript(migration.sql)
        assert normalized_schema(replayed) == normalized_schema(fresh)
        assert normalized_schema(fresh), "the schema is not empty"
    finally:
        fresh.close()
        replayed.close()


def test_split_statements_keeps_triggers_whole() -> None:
    script = """
    -- a comment
    CREATE TABLE t (x INTEGER);
    CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN
        UPDATE t SET x = x + 1; -- inner statement
    END;

    INSERT INTO t VALUES (1);
    """
    statements = migrations.split_statements(script)
    assert len(statements) == 3 and statements[1].startswith("CREATE TRIGGER") and "END;" in statements[1]
    with pytest.raises(ValueError, match="incomplete"):
        migrations.split_statements("CREATE TABLE t (x")


# --- fresh files --------------------------------------------------------------------------------------


async def test_fresh_file_gets_schema_sql_mode_0600_and_latest_version(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "wheeld.db"
    db = Database(path)
    await db.open()
    try:
        assert db.migrated_from == 0 and db.backup_path is None
        assert file_mode(path) == 0o600
        for side in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            if side.exists():
                assert file_mode(side) == 0o600, side
        row = await db.fetch_one("PRAGMA user_version")
        assert row is not None and row[0] == latest_version()
    finally:
        await db.close()
    conn = connect(path)
    try:
        expected = connect(tmp_path / "expected.db")
        expected.executescript(migrations.current_schema_sql())
        assert normalized_schema(conn) == normalized_schema(expected)
        expected.close()
    finally:
        conn.close()
    assert list(tmp_path.glob("sub/*.bak")) == []  # nothing to back up on a fresh file


async def test_reopening_the_latest_version_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "wheeld.db"
    db = Database(path)
    await db.open()
    await db.close()
    db = Database(path)
    await db.open()
    await db.close()
    assert db.migrated_from == latest_version() and db.backup_path is None
    assert list(tmp_path.glob("*.bak")) == []


async def test_app_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = Database(tmp_path / "wheeld.db", busy_timeout_ms=1234)
    await db.open()
    try:
        assert (await db.fetch_one("PRAGMA journal_mode"))[0] == "wal"
        assert (await db.fetch_one("PRAGMA foreign_keys"))[0] == 1
        assert (await db.fetch_one("PRAGMA busy_timeout"))[0] == 1234
        async with db.transaction() as conn:
            assert (await (await conn.execute("PRAGMA foreign_keys")).fetchone())[0] == 1
            assert (await (await conn.execute("PRAGMA journal_mode")).fetchone())[0] == "wal"
    finally:
        await db.close()


async def test_foreign_keys_cascade(tmp_path: Path) -> None:
    db = Database(tmp_path / "wheeld.db")
    await db.open()
    try:
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO portfolios (id, name, created_at, updated_at) VALUES (1, 'P', ?, ?)", (NOW, NOW)
            )
            await conn.execute(
                "INSERT INTO wheels (portfolio_id, symbol, state, profile, capital_allocated_cents,"
                " created_at, updated_at) VALUES (1, 'AAPL', 'cash', 'moderate', 100, ?, ?)",
                (NOW, NOW),
            )
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO wheels (portfolio_id, symbol, state, profile, capital_allocated_cents,"
                    " created_at, updated_at) VALUES (99, 'MSFT', 'cash', 'moderate', 100, ?, ?)",
                    (NOW, NOW),
                )
        async with db.transaction() as conn:
            await conn.execute("DELETE FROM portfolios WHERE id = 1")
        assert (await db.fetch_one("SELECT count(*) FROM wheels"))[0] == 0
    finally:
        await db.close()


async def test_transaction_rolls_back_on_an_exception(tmp_path: Path) -> None:
    db = Database(tmp_path / "wheeld.db")
    await db.open()
    try:
        version = db.version
        with pytest.raises(RuntimeError, match="halfway"):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO portfolios (name, created_at, updated_at) VALUES ('A', ?, ?)", (NOW, NOW)
                )
                await conn.execute(
                    "INSERT INTO portfolios (name, created_at, updated_at) VALUES ('B', ?, ?)", (NOW, NOW)
                )
                raise RuntimeError("halfway")
        assert (await db.fetch_one("SELECT count(*) FROM portfolios"))[0] == 0
        assert db.version == version  # caches keyed on the version stay valid
        # The writer is usable again afterwards (no transaction left open, lock released).
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO portfolios (name, created_at, updated_at) VALUES ('C', ?, ?)", (NOW, NOW))
        assert [r[0] for r in await db.fetch_all("SELECT name FROM portfolios")] == ["C"]
        assert db.version == version + 1
    finally:
        await db.close()


@pytest.mark.parametrize("hops", range(8))
async def test_cancelled_writer_leaves_no_transaction_open(tmp_path: Path, hops: int) -> None:
    """A job timeout or a cancelled task at any point of a write must not wedge the writer connection."""
    db = Database(tmp_path / "wheeld.db")
    await db.open()
    try:
        for delay in (0.0, 0.0002, 0.0005, 0.001, 0.002, 0.004):

            async def write(name: str) -> None:
                async with db.transaction() as conn:
                    await conn.execute(
                        "INSERT INTO portfolios (name, created_at, updated_at) VALUES (?, ?, ?)", (name, NOW, NOW)
                    )
                    await conn.execute("UPDATE portfolios SET description = 'two steps' WHERE name = ?", (name,))

            task = asyncio.create_task(write(f"cancelled-{delay}"))
            for _ in range(hops):
                await asyncio.sleep(0)
            await asyncio.sleep(delay)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await write(f"after-{delay}")  # the writer still works
        rows = await db.fetch_all("SELECT name, description FROM portfolios")
        assert all(r["description"] == "two steps" for r in rows)  # whole writes only
        assert {r["name"] for r in rows} >= {f"after-{d}" for d in (0.0, 0.0002, 0.0005, 0.001, 0.002, 0.004)}
        assert db.version == len(rows)  # one bump per commit, cancelled or not
    finally:
        await db.close()


async def test_closed_database_answers_ping_false(tmp_path: Path) -> None:
    db = Database(tmp_path / "wheeld.db")
    await db.open()
    assert await db.ping() is True
    await db.close()
    assert await db.ping() is False


# --- existing files -----------------------------------------------------------------------------------

M2 = Migration(
    2,
    "0002_test_notes.sql",
    "CREATE TABLE test_notes (id INTEGER PRIMARY KEY, portfolio_id INTEGER REFERENCES portfolios (id),"
    " body TEXT NOT NULL);\n"
    "INSERT INTO test_notes (portfolio_id, body) SELECT id, 'note for ' || name FROM portfolios ORDER BY id;\n"
    "ALTER TABLE portfolios ADD COLUMN colour TEXT NOT NULL DEFAULT 'blue';\n",
)
M2_FAILING = Migration(
    2,
    "0002_test_broken.sql",
    "CREATE TABLE test_notes (id INTEGER PRIMARY KEY);\n"
    "ALTER TABLE portfolios ADD COLUMN colour TEXT;\n"
    "INSERT INTO no_such_table VALUES (1);\n",
)


@pytest.fixture
def v1_file(tmp_path: Path) -> Path:
    """A database as wheeld v1 leaves it, with two portfolios."""
    path = tmp_path / "wheeld.db"
    create_at_version(path, 1)
    conn = connect(path)
    conn.execute(
        "INSERT INTO portfolios (name, is_default, created_at, updated_at) VALUES ('Income', 1, ?, ?)",
        (NOW, NOW),
    )
    conn.execute("INSERT INTO portfolios (name, created_at, updated_at) VALUES ('Growth', ?, ?)", (NOW, NOW))
    conn.close()
    return path


@pytest.fixture
def with_m2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend this wheeld ships a second migration."""
    monkeypatch.setattr(migrations, "load_migrations", lambda: [load_migrations()[0], M2])


def test_older_file_is_backed_up_then_migrated_in_one_transaction(v1_file: Path, with_m2: None) -> None:
    conn = connect(v1_file)
    trace: list[str] = []
    conn.set_trace_callback(trace.append)
    try:
        before, after, backup = migrate(conn, v1_file)
    finally:
        conn.set_trace_callback(None)
    assert (before, after) == (1, 2)
    assert user_version(conn) == 2
    assert [r[0] for r in conn.execute("SELECT body FROM test_notes ORDER BY id")] == [
        "note for Income",
        "note for Growth",
    ]
    assert [r[0] for r in conn.execute("SELECT colour FROM portfolios")] == ["blue", "blue"]
    conn.close()

    # One transaction: BEGIN IMMEDIATE, the migration's statements and the version bump, COMMIT.
    statements = [s.strip() for s in trace if not s.startswith("PRAGMA user_version") or "=" in s]
    begin = statements.index("BEGIN IMMEDIATE")
    commit = statements.index("COMMIT")
    inside = statements[begin + 1 : commit]
    assert [s.split()[0] for s in inside] == ["CREATE", "INSERT", "ALTER", "PRAGMA"]
    assert inside[-1] == "PRAGMA user_version = 2"
    assert statements.count("BEGIN IMMEDIATE") == 1 and statements.count("COMMIT") == 1

    # The backup: beside the file, named after the old version, private, a valid v1 database.
    assert backup is not None and backup.parent == v1_file.parent
    assert re.fullmatch(r"wheeld\.db\.v1-\d{8}T\d{6}Z\.bak", backup.name)
    assert file_mode(backup) == 0o600
    old = connect(backup)
    try:
        assert old.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert user_version(old) == 1
        assert [r[0] for r in old.execute("SELECT name FROM portfolios ORDER BY id")] == ["Income", "Growth"]
        assert "test_notes" not in tables(old)
    finally:
        old.close()


async def test_database_open_migrates_an_older_file(v1_file: Path, with_m2: None) -> None:
    db = Database(v1_file)
    await db.open()
    try:
        assert db.migrated_from == 1
        assert db.backup_path is not None and db.backup_path.exists()
        assert (await db.fetch_one("PRAGMA user_version"))[0] == 2
        assert (await db.fetch_one("SELECT count(*) FROM test_notes"))[0] == 2
    finally:
        await db.close()
    assert file_mode(v1_file) == 0o600


def test_failing_migration_rolls_back_entirely(v1_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(migrations, "load_migrations", lambda: [load_migrations()[0], M2_FAILING])
    conn = connect(v1_file)
    before = normalized_schema(conn)
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        migrate(conn, v1_file)
    assert user_version(conn) == 1
    assert normalized_schema(conn) == before
    assert "test_notes" not in tables(conn)
    assert conn.execute("SELECT count(*) FROM portfolios").fetchone()[0] == 2
    assert not conn.in_transaction
    conn.close()


def test_newer_database_is_refused(v1_file: Path, with_m2: None) -> None:
    conn = connect(v1_file)
    conn.execute("PRAGMA user_version = 3")
    with pytest.raises(SchemaTooNew, match="newer"):
        migrate(conn, v1_file)
    assert user_version(conn) == 3
    conn.close()
    assert list(v1_file.parent.glob("*.bak")) == []


async def test_database_open_refuses_a_newer_file(tmp_path: Path) -> None:
    path = tmp_path / "wheeld.db"
    create_at_version(path, latest_version())
    conn = connect(path)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    db = Database(path)
    with pytest.raises(SchemaTooNew):
        await db.open()
    await db.close()


async def test_foreign_database_is_refused_untouched(tmp_path: Path) -> None:
    """The legacy CLI's trades.db (tables, no user_version) is not silently turned into a wheeld file."""
    path = tmp_path / "trades.db"
    conn = connect(path)
    conn.execute("CREATE TABLE wheels (id INTEGER PRIMARY KEY, symbol TEXT UNIQUE, state TEXT)")
    conn.execute("INSERT INTO wheels (symbol, state) VALUES ('AAPL', 'cash')")
    before = normalized_schema(conn)
    conn.close()
    db = Database(path)
    with pytest.raises(NotAWheeldDatabase, match="migrate-legacy"):
        await db.open()
    await db.close()
    conn = connect(path)
    try:
        assert user_version(conn) == 0 and normalized_schema(conn) == before
        assert conn.execute("SELECT symbol FROM wheels").fetchall() == [("AAPL",)]
    finally:
        conn.close()
    assert list(tmp_path.glob("*.bak")) == []
