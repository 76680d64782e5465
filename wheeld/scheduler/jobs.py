"""Jobs and their run history as data: the job spec and state, run records, and the `JobStore` protocol.

The store is the scheduler of record: each job's next due time lives in it and a run is claimed by a
compare-and-set on that time, so no due time is run twice. `MemoryJobStore` is the reference
implementation (tests, simulations); `wheeld/db/` implements the same protocol over SQLite.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from wheeld.clock import Clock
from wheeld.errors import NotFound, ValidationError
from wheeld.scheduler.triggers import parse_trigger

JobKind = Literal["core", "plugin"]
JOB_KINDS: tuple[JobKind, ...] = ("core", "plugin")

RunStatus = Literal["running", "success", "failure", "timeout", "skipped", "cancelled"]
# 'running' is the only status a run has before it finishes; the rest are final.
RUN_STATUSES: tuple[RunStatus, ...] = (
    "running",
    "success",
    "failure",
    "timeout",
    "skipped",
    "cancelled",
)
FINAL_RUN_STATUSES: tuple[RunStatus, ...] = RUN_STATUSES[1:]

RunTrigger = Literal["schedule", "manual"]
RUN_TRIGGERS: tuple[RunTrigger, ...] = ("schedule", "manual")

MIN_TIMEOUT_SECONDS = 1
MAX_TIMEOUT_SECONDS = 6 * 3600
DEFAULT_TIMEOUT_SECONDS = 300

# Fields `JobStore.update_job` accepts; the first three change when a job is due.
SCHEDULE_FIELDS = frozenset({"trigger", "enabled", "market_hours_only"})
EDITABLE_FIELDS = SCHEDULE_FIELDS | {"scope", "timeout_seconds", "description"}


@dataclass(frozen=True)
class JobSpec:
    """What a job is: its id, kind, trigger spec, gate, scope and timeout."""

    id: str
    kind: JobKind
    trigger: Mapping[str, Any]
    enabled: bool = True
    market_hours_only: bool = False
    scope: int | None = None  # None: system-wide; else the portfolio id it works on
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    description: str = ""


@dataclass(frozen=True)
class JobState:
    """A job as stored: its spec plus when it last ran, when it is next due, and how it went."""

    spec: JobSpec
    last_run_at: datetime | None = None  # start of the last run that executed (skips excluded)
    next_run_at: datetime | None = None  # None: not scheduled (disabled, no handler, never due)
    last_status: RunStatus | None = None  # status of that last executed run
    running: bool = False  # a run of this job is recorded as 'running'

    @property
    def id(self) -> str:
        """The job's id."""
        return self.spec.id


@dataclass(frozen=True)
class RunRecord:
    """One run of a job: when, how long, how it ended, and what it said."""

    id: int
    job_id: str
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None
    status: RunStatus
    error: str | None
    summary: str | None
    trigger: RunTrigger


@dataclass(frozen=True)
class RunRetention:
    """How much run history to keep: runs older than `max_age_days` or beyond `max_per_job` go."""

    max_age_days: int = 30
    max_per_job: int = 1000


@dataclass(frozen=True)
class JobContext:
    """What a job handler is given for one run."""

    job: JobSpec
    run_id: int
    trigger: RunTrigger
    scheduled_for: datetime | None  # the due time this run serves; None for a manual run
    started_at: datetime
    clock: Clock
    logger: logging.Logger


# A handler does the job's work and returns a short summary (text or a JSON-able mapping). It runs on
# the daemon's event loop: blocking or CPU-heavy work must go through `asyncio.to_thread`, and it
# must let `asyncio.CancelledError` through so timeouts and shutdown can stop it.
JobHandler = Callable[[JobContext], Awaitable[str | Mapping[str, Any] | None]]


def validate_job_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Check a job update (PATCH body) and return it normalized, or raise ValidationError."""
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            raise ValidationError.field(name, value, "is not an editable job field")
        if name == "trigger":
            clean[name] = parse_trigger(value).as_spec()
        elif name in ("enabled", "market_hours_only"):
            if not isinstance(value, bool):
                raise ValidationError.field(name, value, "must be true or false")
            clean[name] = value
        elif name == "scope":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValidationError.field(name, value, "must be a portfolio id or null")
            clean[name] = value
        elif name == "timeout_seconds":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError.field(name, value, "must be a whole number of seconds")
            if not MIN_TIMEOUT_SECONDS <= value <= MAX_TIMEOUT_SECONDS:
                raise ValidationError.field(
                    name, value, f"must be between {MIN_TIMEOUT_SECONDS} and {MAX_TIMEOUT_SECONDS}"
                )
            clean[name] = value
        else:
            if not isinstance(value, str):
                raise ValidationError.field(name, value, "must be a string")
            clean[name] = value
    return clean


class JobStore(Protocol):
    """Persistence of jobs and their run history; the scheduler's record of what is due.

    All datetimes are aware UTC and must round-trip exactly (microseconds included), because
    `claim_due` compares them. The store never reads the clock: callers pass every time.
    Runs are listed newest first (by `started_at`, then id).
    """

    async def load_jobs(self) -> list[JobState]:
        """Every job, ordered by id."""
        ...

    async def get_job(self, job_id: str) -> JobState | None:
        """One job, or None when no job has that id."""
        ...

    async def insert_default_jobs(self, specs: Iterable[JobSpec]) -> list[str]:
        """Insert the jobs whose ids do not exist yet (next_run_at NULL); return the inserted ids.

        An existing job is left exactly as it is — a user's changes survive restarts and upgrades.
        """
        ...

    async def update_job(self, job_id: str, **changes: Any) -> JobState:
        """Change fields of `EDITABLE_FIELDS` (already validated) and return the job.

        When a field of `SCHEDULE_FIELDS` is among the changes, next_run_at becomes NULL so the
        supervisor computes it afresh (`Supervisor.reschedule`). Raises NotFound for an unknown id.
        """
        ...

    async def delete_job(self, job_id: str) -> bool:
        """Delete a job and its run history; False when it did not exist."""
        ...

    async def set_next_run(self, job_id: str, next_run_at: datetime | None) -> None:
        """Set a job's next due time unconditionally (None: not scheduled)."""
        ...

    async def claim_due(self, job_id: str, expected_next_run: datetime, new_next_run: datetime | None) -> bool:
        """Move next_run_at from `expected_next_run` to `new_next_run` only if it still is that.

        ``UPDATE jobs SET next_run_at = :new WHERE id = :id AND next_run_at = :expected``; True when
        a row changed. Whoever gets True owns that due time, so it cannot be run twice.
        """
        ...

    async def start_run(self, job_id: str, started_at: datetime, trigger: RunTrigger) -> int:
        """Record a run as 'running', set the job's last_run_at; return the new run id."""
        ...

    async def finish_run(
        self,
        run_id: int,
        finished_at: datetime,
        status: RunStatus,
        error: str | None,
        summary: str | None,
        duration_ms: int,
    ) -> bool:
        """Close a 'running' run with a final status and set its job's last_status.

        False (and nothing changed) when the run is not 'running' any more.
        """
        ...

    async def record_skipped(self, job_id: str, at: datetime, reason: str, trigger: RunTrigger = "schedule") -> int:
        """Record a run that did not happen: status 'skipped', started = finished = `at`,
        duration 0, `reason` as its summary; the job's last_run_at/last_status are untouched.
        Returns the run id.
        """
        ...

    async def list_runs(self, job_id: str, page: int = 1, page_size: int = 50) -> tuple[list[RunRecord], int]:
        """One page of a job's runs (newest first) and the total number of its runs."""
        ...

    async def prune_runs(self, now: datetime, max_age_days: int, max_per_job: int) -> int:
        """Delete finished runs started more than `max_age_days` before `now`, and all but each
        job's newest `max_per_job`; 'running' runs are kept. Returns how many were deleted.
        """
        ...

    async def mark_interrupted_runs(self, at: datetime) -> int:
        """At start-up: close every run still 'running' (left by a crash) as 'cancelled' at `at`,
        with an error saying so and no duration, and set those jobs' last_status to 'cancelled'.
        Returns how many there were.
        """
        ...


INTERRUPTED_ERROR = "interrupted: wheeld stopped while this run was going"


class MemoryJobStore:
    """A `JobStore` held in memory: the reference implementation, for tests and simulations."""

    def __init__(self) -> None:
        self._jobs: dict[str, JobState] = {}
        self._runs: dict[int, RunRecord] = {}
        self._run_ids: Iterator[int] = itertools.count(1)

    async def load_jobs(self) -> list[JobState]:
        """Every job, ordered by id."""
        return [self._with_running(self._jobs[job_id]) for job_id in sorted(self._jobs)]

    async def get_job(self, job_id: str) -> JobState | None:
        """One job, or None when no job has that id."""
        state = self._jobs.get(job_id)
        return None if state is None else self._with_running(state)

    async def insert_default_jobs(self, specs: Iterable[JobSpec]) -> list[str]:
        """Insert the jobs whose ids do not exist yet; return the inserted ids."""
        inserted = []
        for spec in specs:
            if spec.id not in self._jobs:
                self._jobs[spec.id] = JobState(spec=spec)
                inserted.append(spec.id)
        return inserted

    async def update_job(self, job_id: str, **changes: Any) -> JobState:
        """Change editable fields; clears next_run_at when the schedule changes."""
        state = self._require(job_id)
        unknown = set(changes) - EDITABLE_FIELDS
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        spec = replace(state.spec, **changes)
        next_run_at = None if SCHEDULE_FIELDS & set(changes) else state.next_run_at
        self._jobs[job_id] = replace(state, spec=spec, next_run_at=next_run_at)
        return self._with_running(self._jobs[job_id])

    async def delete_job(self, job_id: str) -> bool:
        """Delete a job and its run history; False when it did not exist."""
        if self._jobs.pop(job_id, None) is None:
            return False
        self._runs = {rid: run for rid, run in self._runs.items() if run.job_id != job_id}
        return True

    async def set_next_run(self, job_id: str, next_run_at: datetime | None) -> None:
        """Set a job's next due time unconditionally."""
        self._jobs[job_id] = replace(self._require(job_id), next_run_at=next_run_at)

    async def claim_due(self, job_id: str, expected_next_run: datetime, new_next_run: datetime | None) -> bool:
        """Compare-and-set next_run_at; True when this caller owns the due time."""
        state = self._jobs.get(job_id)
        if state is None or state.next_run_at != expected_next_run:
            return False
        self._jobs[job_id] = replace(state, next_run_at=new_next_run)
        return True

    async def start_run(self, job_id: str, started_at: datetime, trigger: RunTrigger) -> int:
        """Record a run as 'running'; return its id."""
        state = self._require(job_id)
        run_id = next(self._run_ids)
        self._runs[run_id] = RunRecord(run_id, job_id, started_at, None, None, "running", None, None, trigger)
        self._jobs[job_id] = replace(state, last_run_at=started_at)
        return run_id

    async def finish_run(
        self,
        run_id: int,
        finished_at: datetime,
        status: RunStatus,
        error: str | None,
        summary: str | None,
        duration_ms: int,
    ) -> bool:
        """Close a 'running' run with its final status."""
        run = self._runs.get(run_id)
        if run is None or run.status != "running":
            return False
        self._runs[run_id] = replace(
            run,
            finished_at=finished_at,
            status=status,
            error=error,
            summary=summary,
            duration_ms=duration_ms,
        )
        state = self._jobs.get(run.job_id)
        if state is not None:
            self._jobs[run.job_id] = replace(state, last_status=status)
        return True

    async def record_skipped(self, job_id: str, at: datetime, reason: str, trigger: RunTrigger = "schedule") -> int:
        """Record a skipped run; return its id."""
        self._require(job_id)
        run_id = next(self._run_ids)
        self._runs[run_id] = RunRecord(run_id, job_id, at, at, 0, "skipped", None, reason, trigger)
        return run_id

    async def list_runs(self, job_id: str, page: int = 1, page_size: int = 50) -> tuple[list[RunRecord], int]:
        """One page of a job's runs, newest first, and their total."""
        runs = self._newest_first(job_id)
        start = (page - 1) * page_size
        return runs[start : start + page_size], len(runs)

    async def prune_runs(self, now: datetime, max_age_days: int, max_per_job: int) -> int:
        """Delete old finished runs and all but each job's newest `max_per_job`."""
        oldest_kept = now - timedelta(days=max_age_days)
        doomed = set()
        for job_id in {run.job_id for run in self._runs.values()}:
            for rank, run in enumerate(self._newest_first(job_id)):
                if run.status != "running" and (rank >= max_per_job or run.started_at < oldest_kept):
                    doomed.add(run.id)
        for run_id in doomed:
            del self._runs[run_id]
        return len(doomed)

    async def mark_interrupted_runs(self, at: datetime) -> int:
        """Close runs left 'running' by a crash as 'cancelled'."""
        interrupted = [run for run in self._runs.values() if run.status == "running"]
        for run in interrupted:
            self._runs[run.id] = replace(run, finished_at=at, status="cancelled", error=INTERRUPTED_ERROR)
            state = self._jobs.get(run.job_id)
            if state is not None:
                self._jobs[run.job_id] = replace(state, last_status="cancelled")
        return len(interrupted)

    async def all_runs(self) -> list[RunRecord]:
        """Every run of every job in id order (for tests and simulations; not in the protocol)."""
        return [self._runs[run_id] for run_id in sorted(self._runs)]

    def _require(self, job_id: str) -> JobState:
        state = self._jobs.get(job_id)
        if state is None:
            raise NotFound(f"no job {job_id!r}", {"job_id": job_id})
        return state

    def _with_running(self, state: JobState) -> JobState:
        running = any(r.job_id == state.id and r.status == "running" for r in self._runs.values())
        return replace(state, running=running)

    def _newest_first(self, job_id: str) -> list[RunRecord]:
        runs = [run for run in self._runs.values() if run.job_id == job_id]
        return sorted(runs, key=lambda run: (run.started_at, run.id), reverse=True)
