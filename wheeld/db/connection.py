"""The database handle: one writer connection behind a lock (BEGIN IMMEDIATE) and one reader.

SQLite in WAL mode lets the reader see committed data while a write is under way. Every write goes
through `transaction()`, so a multi-step change commits whole or not at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Set
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from wheeld.db import migrations
from wheeld.errors import ServiceUnavailable

log = logging.getLogger(__name__)
Row = sqlite3.Row


def _create_private_file(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite opens it (it holds trading records)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new data directory is private too
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class Database:
    """SQLite through aiosqlite: a serialized writer, a reader, migrations at open."""

    def __init__(self, path: Path, busy_timeout_ms: int = 5000) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        # Bumped after every committed write: caches compare it to know when to recompute.
        self.version = 0
        self.migrated_from: int | None = None
        self.backup_path: Path | None = None

    async def open(self) -> None:
        """Create the file if needed (0600), migrate the schema, open the connections."""
        _create_private_file(self.path)
        from_version, _, backup = await asyncio.to_thread(self._migrate)
        self.migrated_from, self.backup_path = from_version, backup
        self._writer = await self._connect()
        self._reader = await self._connect()
        for suffix in ("-wal", "-shm"):
            side = Path(f"{self.path}{suffix}")
            if side.exists():
                side.chmod(0o600)

    def _migrate(self) -> tuple[int, int, Path | None]:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            return migrations.migrate(conn, self.path)
        finally:
            conn.close()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        for pragma in (
            f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}",
            "PRAGMA journal_mode = WAL",
            "PRAGMA foreign_keys = ON",
            # FULL: an acknowledged write survives power loss too, not only a process crash.
            "PRAGMA synchronous = FULL",
        ):
            await conn.execute(pragma)
        return conn

    async def close(self) -> None:
        """Close both connections (waits for an in-flight write to finish)."""
        async with self._write_lock:
            for conn in (self._reader, self._writer):
                if conn is not None:
                    await conn.close()
            self._reader = self._writer = None

    @property
    def reader(self) -> aiosqlite.Connection:
        """The read connection (autocommit; sees every committed write)."""
        if self._reader is None:
            raise ServiceUnavailable("the database is not open")
        return self._reader

    @asynccontextmanager
    async def transaction(self, *, bookkeeping: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT, ROLLBACK on any error or cancellation).

        Whatever happens to the caller (an exception, a job timeout, a cancelled task), the writer
        leaves this block outside any transaction, and `version` has moved if anything may have changed.
        `bookkeeping` writes (job runs, alerts) touch nothing a figure cache holds, so they leave
        `version` alone: a busy scheduler must not keep emptying the summary and position caches.
        """
        async with self._write_lock:
            conn = self._writer
            if conn is None:
                raise ServiceUnavailable("the database is not open")
            try:
                await _settle(conn, "BEGIN IMMEDIATE")
            except asyncio.CancelledError:
                await _rollback(conn)  # the BEGIN may have landed after all
                raise
            try:
                yield conn
            except BaseException:
                await _rollback(conn)
                raise
            try:
                await _settle(conn, "COMMIT")
            except BaseException:
                # Cancelled while the COMMIT ran, or it failed: nothing may stay open, and caches must not
                # trust their figures (a needless bump only costs one recomputation).
                self.version += 0 if bookkeeping else 1
                await _rollback(conn)
                raise
            self.version += 0 if bookkeeping else 1

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        """Rows of one read query."""
        return list(await self.reader.execute_fetchall(sql, tuple(params)))

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """The first row of one read query, or None."""
        rows = await self.reader.execute_fetchall(sql, tuple(params))
        return rows[0] if rows else None

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            row = await self.fetch_one("SELECT 1")
        except (sqlite3.Error, ServiceUnavailable, ValueError):
            return False
        return row is not None

    def size_bytes(self) -> int:
        """Size of the database file plus its WAL."""
        total = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(FileNotFoundError):
                total += Path(f"{self.path}{suffix}").stat().st_size
        return total


async def _settle(conn: aiosqlite.Connection, sql: str) -> None:
    """Run a transaction-control statement to its end even if the caller is cancelled meanwhile.

    aiosqlite runs it in its own thread whatever becomes of our await: giving up early would leave the
    connection's transaction state unknown (a BEGIN landing after we left keeps the writer inside a
    transaction, and every later write fails with "cannot start a transaction within a transaction").
    """
    step = asyncio.ensure_future(conn.execute(sql))
    try:
        await asyncio.shield(step)
    except asyncio.CancelledError:
        await asyncio.wait({step})
        if not step.cancelled() and step.exception() is not None:
            log.warning("%s failed while its caller was cancelled: %s", sql, step.exception())
        raise


async def _rollback(conn: aiosqlite.Connection) -> None:
    """ROLLBACK if a transaction is open (SQLite ends one by itself on some errors, e.g. a full disk)."""
    if conn.in_transaction:
        await _settle(conn, "ROLLBACK")


async def fetch_all(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> list[Row]:
    """Rows of a query on an explicit connection (inside a transaction)."""
    return list(await conn.execute_fetchall(sql, tuple(params)))


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> Row | None:
    """First row of a query on an explicit connection, or None."""
    rows = await conn.execute_fetchall(sql, tuple(params))
    return rows[0] if rows else None


async def execute(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> int:
    """Run one write statement; returns the number of rows it changed."""
    cursor = await conn.execute(sql, tuple(params))
    return cursor.rowcount


async def insert(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> int:
    """Run one INSERT; returns the new row's id."""
    row = await conn.execute_insert(sql, tuple(params))
    if row is None:
        raise RuntimeError("insert returned no row id")
    return int(row[0])


async def insert_row(conn: aiosqlite.Connection, table: str, values: Mapping[str, Any]) -> int:
    """INSERT one row from column values (table and column names come from our code, never from clients)."""
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    return await insert(conn, f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))


async def update_row(
    conn: aiosqlite.Connection, table: str, row_id: int, changes: Mapping[str, Any], allowed: Set[str], now: str
) -> int:
    """UPDATE the `allowed` columns present in `changes` and `updated_at`; 1 when there is nothing to change."""
    columns = [c for c in changes if c in allowed]
    if not columns:
        return 1
    assignments = ", ".join(f"{c} = ?" for c in columns)
    return await execute(
        conn,
        f"UPDATE {table} SET {assignments}, updated_at = ? WHERE id = ?",
        [*(changes[c] for c in columns), now, row_id],
    )
