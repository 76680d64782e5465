"""SQL for jobs and their run history: `SqliteJobStore`, the scheduler's record in the database.

It implements `wheeld.scheduler.jobs.JobStore` exactly (the same contract tests run against it and
`MemoryJobStore`). Writes go through `Database.transaction()` (the single writer), reads through the
reader connection. Times are stored as fixed-width UTC text (`utc_iso_fixed`), so they round-trip to the
microsecond — `claim_due` compares them for equality — and sort as text in time order.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from wheeld.clock import Clock, parse_utc, utc_iso_fixed
from wheeld.db.connection import Database, Row, execute, fetch_all, fetch_one, insert
from wheeld.errors import NotFound, ValidationError
from wheeld.scheduler.jobs import (
    EDITABLE_FIELDS,
    INTERRUPTED_ERROR,
    SCHEDULE_FIELDS,
    JobSpec,
    JobState,
    RunRecord,
    RunStatus,
    RunTrigger,
)

_JOB_COLUMNS = (
    "j.id, j.kind, j.trigger, j.enabled, j.market_hours_only, j.scope_portfolio_id, j.timeout_seconds,"
    " j.description, j.last_run_at, j.next_run_at, j.last_status,"
    " EXISTS (SELECT 1 FROM job_runs r WHERE r.job_id = j.id AND r.status = 'running') AS running"
)
_RUN_COLUMNS = "id, job_id, started_at, finished_at, duration_ms, status, error, summary, trigger"
# Spec field → column, for the fields `update_job` may change.
_COLUMN_OF = {
    "trigger": "trigger",
    "enabled": "enabled",
    "market_hours_only": "market_hours_only",
    "scope": "scope_portfolio_id",
    "timeout_seconds": "timeout_seconds",
    "description": "description",
}


def _time_or_none(text: str | None) -> datetime | None:
    return None if text is None else parse_utc(text)


def _trigger_text(trigger: Any) -> str:
    return json.dumps(dict(trigger), sort_keys=True, separators=(",", ":"))


def _column_value(field: str, value: Any) -> Any:
    if field == "trigger":
        return _trigger_text(value)
    if field in ("enabled", "market_hours_only"):
        return int(bool(value))
    return value


def _job_state(row: Row) -> JobState:
    spec = JobSpec(
        id=row["id"],
        kind=row["kind"],
        trigger=json.loads(row["trigger"]),
        enabled=bool(row["enabled"]),
        market_hours_only=bool(row["market_hours_only"]),
        scope=row["scope_portfolio_id"],
        timeout_seconds=row["timeout_seconds"],
        description=row["description"],
    )
    return JobState(
        spec=spec,
        last_run_at=_time_or_none(row["last_run_at"]),
        next_run_at=_time_or_none(row["next_run_at"]),
        last_status=row["last_status"],
        running=bool(row["running"]),
    )


def _run_record(row: Row) -> RunRecord:
    return RunRecord(
        id=row["id"],
        job_id=row["job_id"],
        started_at=parse_utc(row["started_at"]),
        finished_at=_time_or_none(row["finished_at"]),
        duration_ms=row["duration_ms"],
        status=row["status"],
        error=row["error"],
        summary=row["summary"],
        trigger=row["trigger"],
    )


def _not_found(job_id: str) -> NotFound:
    return NotFound(f"no job {job_id!r}", {"job_id": job_id})


class SqliteJobStore:
    """A `JobStore` over the `jobs` and `job_runs` tables."""

    def __init__(self, db: Database, clock: Clock | None = None) -> None:
        self.db = db
        # Only for the rows' own created_at/updated_at: the protocol's times all come from callers.
        self.clock = clock or Clock()

    async def load_jobs(self) -> list[JobState]:
        """Every job, ordered by id."""
        rows = await self.db.fetch_all(f"SELECT {_JOB_COLUMNS} FROM jobs j ORDER BY j.id")
        return [_job_state(row) for row in rows]

    async def get_job(self, job_id: str) -> JobState | None:
        """One job, or None when no job has that id."""
        row = await self.db.fetch_one(f"SELECT {_JOB_COLUMNS} FROM jobs j WHERE j.id = ?", (job_id,))
        return None if row is None else _job_state(row)

    async def insert_default_jobs(self, specs: Iterable[JobSpec]) -> list[str]:
        """Insert the jobs whose ids do not exist yet; existing jobs are left exactly as they are."""
        now = utc_iso_fixed(self.clock.now())
        inserted = []
        async with self.db.transaction(bookkeeping=True) as conn:
            for spec in specs:
                changed = await execute(
                    conn,
                    "INSERT INTO jobs (id, kind, trigger, enabled, market_hours_only, scope_portfolio_id,"
                    " timeout_seconds, description, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    (
                        spec.id,
                        spec.kind,
                        _trigger_text(spec.trigger),
                        int(spec.enabled),
                        int(spec.market_hours_only),
                        spec.scope,
                        spec.timeout_seconds,
                        spec.description,
                        now,
                        now,
                    ),
                )
                if changed:
                    inserted.append(spec.id)
        return inserted

    async def update_job(self, job_id: str, **changes: Any) -> JobState:
        """Change editable fields; clears next_run_at when the schedule changes."""
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        fields = sorted(changes)
        assignments = [f"{_COLUMN_OF[name]} = ?" for name in fields]
        values = [_column_value(name, changes[name]) for name in fields]
        if SCHEDULE_FIELDS & set(changes):
            assignments.append("next_run_at = NULL")
        assignments.append("updated_at = ?")
        values.append(utc_iso_fixed(self.clock.now()))
        try:
            async with self.db.transaction(bookkeeping=True) as conn:
                changed = await execute(
                    conn, f"UPDATE jobs SET {', '.join(assignments)} WHERE id = ?", [*values, job_id]
                )
        except sqlite3.IntegrityError as exc:
            if "FOREIGN KEY" in str(exc) and "scope" in changes:
                raise ValidationError.field("scope", changes["scope"], "no portfolio has this id") from None
            raise
        if not changed:
            raise _not_found(job_id)
        state = await self.get_job(job_id)
        if state is None:  # deleted between the write and the read
            raise _not_found(job_id)
        return state

    async def delete_job(self, job_id: str) -> bool:
        """Delete a job and its run history (cascade); False when it did not exist."""
        async with self.db.transaction(bookkeeping=True) as conn:
            return bool(await execute(conn, "DELETE FROM jobs WHERE id = ?", (job_id,)))

    async def set_next_run(self, job_id: str, next_run_at: datetime | None) -> None:
        """Set a job's next due time unconditionally (None: not scheduled)."""
        value = None if next_run_at is None else utc_iso_fixed(next_run_at)
        async with self.db.transaction(bookkeeping=True) as conn:
            changed = await execute(conn, "UPDATE jobs SET next_run_at = ? WHERE id = ?", (value, job_id))
        if not changed:
            raise _not_found(job_id)

    async def claim_due(self, job_id: str, expected_next_run: datetime, new_next_run: datetime | None) -> bool:
        """Compare-and-set next_run_at; True when this caller owns the due time."""
        new_value = None if new_next_run is None else utc_iso_fixed(new_next_run)
        async with self.db.transaction(bookkeeping=True) as conn:
            changed = await execute(
                conn,
                "UPDATE jobs SET next_run_at = ? WHERE id = ? AND next_run_at = ?",
                (new_value, job_id, utc_iso_fixed(expected_next_run)),
            )
        return changed == 1

    async def start_run(self, job_id: str, started_at: datetime, trigger: RunTrigger) -> int:
        """Record a run as 'running', set the job's last_run_at; return the new run id."""
        started = utc_iso_fixed(started_at)
        async with self.db.transaction(bookkeeping=True) as conn:
            changed = await execute(conn, "UPDATE jobs SET last_run_at = ? WHERE id = ?", (started, job_id))
            if not changed:
                raise _not_found(job_id)
            return await insert(
                conn,
                "INSERT INTO job_runs (job_id, trigger, status, started_at) VALUES (?, ?, 'running', ?)",
                (job_id, trigger, started),
            )

    async def finish_run(
        self,
        run_id: int,
        finished_at: datetime,
        status: RunStatus,
        error: str | None,
        summary: str | None,
        duration_ms: int,
    ) -> bool:
        """Close a 'running' run with its final status and set its job's last_status."""
        async with self.db.transaction(bookkeeping=True) as conn:
            changed = await execute(
                conn,
                "UPDATE job_runs SET finished_at = ?, status = ?, error = ?, summary = ?, duration_ms = ?"
                " WHERE id = ? AND status = 'running'",
                (utc_iso_fixed(finished_at), status, error, summary, duration_ms, run_id),
            )
            if not changed:
                return False
            await execute(
                conn,
                "UPDATE jobs SET last_status = ? WHERE id = (SELECT job_id FROM job_runs WHERE id = ?)",
                (status, run_id),
            )
        return True

    async def record_skipped(self, job_id: str, at: datetime, reason: str, trigger: RunTrigger = "schedule") -> int:
        """Record a run that did not happen (status 'skipped', duration 0); return its id."""
        moment = utc_iso_fixed(at)
        async with self.db.transaction(bookkeeping=True) as conn:
            if await fetch_one(conn, "SELECT 1 FROM jobs WHERE id = ?", (job_id,)) is None:
                raise _not_found(job_id)
            return await insert(
                conn,
                "INSERT INTO job_runs (job_id, trigger, status, started_at, finished_at, duration_ms, summary)"
                " VALUES (?, ?, 'skipped', ?, ?, 0, ?)",
                (job_id, trigger, moment, moment, reason),
            )

    async def list_runs(self, job_id: str, page: int = 1, page_size: int = 50) -> tuple[list[RunRecord], int]:
        """One page of a job's runs (newest first) and the total number of its runs."""
        rows = await self.db.fetch_all(
            f"SELECT {_RUN_COLUMNS} FROM job_runs WHERE job_id = ? ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
            (job_id, page_size, (page - 1) * page_size),
        )
        total = await self.db.fetch_one("SELECT count(*) FROM job_runs WHERE job_id = ?", (job_id,))
        return [_run_record(row) for row in rows], int(total[0]) if total else 0

    async def prune_runs(self, now: datetime, max_age_days: int, max_per_job: int) -> int:
        """Delete finished runs older than `max_age_days` and all but each job's newest `max_per_job`."""
        oldest_kept = utc_iso_fixed(now - timedelta(days=max_age_days))
        async with self.db.transaction(bookkeeping=True) as conn:
            return await execute(
                conn,
                "DELETE FROM job_runs WHERE id IN (SELECT id FROM (SELECT id, status, started_at,"
                " row_number() OVER (PARTITION BY job_id ORDER BY started_at DESC, id DESC) AS rank"
                " FROM job_runs) WHERE status != 'running' AND (rank > ? OR started_at < ?))",
                (max_per_job, oldest_kept),
            )

    async def mark_interrupted_runs(self, at: datetime) -> int:
        """Close every run still 'running' (left by a crash) as 'cancelled' at `at`."""
        async with self.db.transaction(bookkeeping=True) as conn:
            jobs = await fetch_all(conn, "SELECT DISTINCT job_id FROM job_runs WHERE status = 'running'")
            count = await execute(
                conn,
                "UPDATE job_runs SET status = 'cancelled', finished_at = ?, error = ? WHERE status = 'running'",
                (utc_iso_fixed(at), INTERRUPTED_ERROR),
            )
            for row in jobs:
                await execute(conn, "UPDATE jobs SET last_status = 'cancelled' WHERE id = ?", (row[0],))
        return count
