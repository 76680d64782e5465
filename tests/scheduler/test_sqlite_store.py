"""What only the SQLite job store has: exact times on disk, portfolio scopes, the v1 → v2 migration."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wheeld.clock import FrozenClock
from wheeld.db.connection import Database
from wheeld.db.jobs import SqliteJobStore
from wheeld.db.migrations import load_migrations
from wheeld.errors import ValidationError
from wheeld.scheduler.jobs import JobSpec

T0 = datetime(2026, 11, 23, 15, 0, 0, 123456, tzinfo=UTC)
SPEC = JobSpec(id="risk_monitor", kind="core", trigger={"type": "interval", "seconds": 900})


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """An open database in a temp dir."""
    database = Database(tmp_path / "wheeld.db")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def store(db: Database) -> SqliteJobStore:
    """A SqliteJobStore over `db`."""
    return SqliteJobStore(db, FrozenClock(T0))


async def portfolio(db: Database, name: str) -> int:
    """Insert a portfolio row directly; return its id."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO portfolios (name, created_at, updated_at) VALUES (?, '2026-11-01', '2026-11-01')", (name,)
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


async def test_times_round_trip_to_the_microsecond_and_sort_as_text(store: SqliteJobStore, db: Database) -> None:
    await store.insert_default_jobs([SPEC])
    await store.set_next_run("risk_monitor", T0)
    job = await store.get_job("risk_monitor")
    assert job is not None and job.next_run_at == T0
    assert await store.claim_due("risk_monitor", T0.replace(microsecond=0), None) is False
    assert await store.claim_due("risk_monitor", T0, T0 + timedelta(minutes=15)) is True
    # A whole second and a fraction within it keep their order as text (fixed width).
    first = await store.start_run("risk_monitor", T0.replace(microsecond=0), "manual")
    second = await store.start_run("risk_monitor", T0, "manual")
    runs, _ = await store.list_runs("risk_monitor")
    assert [run.id for run in runs] == [second, first]
    row = await db.fetch_one("SELECT started_at FROM job_runs WHERE id = ?", (first,))
    assert row is not None and row[0] == "2026-11-23T15:00:00.000000Z"


async def test_scope_must_name_a_portfolio(store: SqliteJobStore, db: Database) -> None:
    await store.insert_default_jobs([SPEC])
    with pytest.raises(ValidationError) as caught:
        await store.update_job("risk_monitor", scope=99)
    assert caught.value.details["field"] == "scope"
    pid = await portfolio(db, "Income")
    job = await store.update_job("risk_monitor", scope=pid)
    assert job.spec.scope == pid


async def test_deleting_its_portfolio_disables_a_scoped_job_instead_of_widening_it(
    store: SqliteJobStore, db: Database
) -> None:
    keep, doomed = await portfolio(db, "Keep"), await portfolio(db, "Doomed")
    other = JobSpec(id="price_refresh", kind="core", trigger={"type": "interval", "seconds": 300}, scope=keep)
    await store.insert_default_jobs([replace(SPEC, scope=doomed), other])
    await store.set_next_run("risk_monitor", T0)
    await store.set_next_run("price_refresh", T0)
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM portfolios WHERE id = ?", (doomed,))
    job = await store.get_job("risk_monitor")
    assert job is not None
    assert (job.spec.scope, job.spec.enabled, job.next_run_at) == (None, False, None)
    # The scheduler's claim on the old due time now fails, so it re-reads the job.
    assert await store.claim_due("risk_monitor", T0, T0 + timedelta(minutes=15)) is False
    untouched = await store.get_job("price_refresh")
    assert untouched is not None
    assert (untouched.spec.scope, untouched.spec.enabled, untouched.next_run_at) == (keep, True, T0)


async def test_a_v1_database_gains_the_job_and_alert_tables(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(load_migrations()[0].sql)
    conn.execute("INSERT INTO portfolios (name, created_at, updated_at) VALUES ('Income', 'x', 'x')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    db = Database(path)
    await db.open()
    try:
        assert db.migrated_from == 1 and db.backup_path is not None
        store = SqliteJobStore(db, FrozenClock(T0))
        assert await store.insert_default_jobs([SPEC]) == ["risk_monitor"]
        names = {row[0] for row in await db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"jobs", "job_runs", "alerts", "alert_deliveries", "portfolios"} <= names
        assert (await db.fetch_one("SELECT name FROM portfolios"))[0] == "Income"
    finally:
        await db.close()
