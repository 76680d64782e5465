"""Jobs for the management API (FR-21, FR-22): list, inspect, change, run now, run history.

Changes are validated (`validate_job_changes`), written to the store, then handed to the supervisor
(`reschedule`), so the schedule in memory never disagrees with the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wheeld.clock import Clock, utc_iso
from wheeld.db import portfolios as portfolio_repo
from wheeld.db.connection import Database
from wheeld.errors import NotFound, ValidationError
from wheeld.scheduler.jobs import JobHandler, JobSpec, JobState, JobStore, RunRecord, validate_job_changes
from wheeld.scheduler.supervisor import Supervisor
from wheeld.scheduler.triggers import describe, parse_trigger
from wheeld.services.listing import Page, Paged


def _time(moment: Any) -> str | None:
    return None if moment is None else utc_iso(moment)


def _trigger_description(trigger: Any) -> str:
    try:
        return describe(parse_trigger(dict(trigger)))
    except ValidationError as exc:
        return f"invalid trigger: {exc.message}"


def run_dict(run: RunRecord) -> dict[str, Any]:
    """A run record as the API shows it."""
    return {
        "id": run.id,
        "job_id": run.job_id,
        "trigger": run.trigger,
        "status": run.status,
        "started_at": _time(run.started_at),
        "finished_at": _time(run.finished_at),
        "duration_ms": run.duration_ms,
        "error": run.error,
        "summary": run.summary,
    }


def _not_found(job_id: str) -> NotFound:
    return NotFound(f"no job {job_id!r}", {"job_id": job_id})


class JobService:
    """The jobs as the API sees them: the store's record plus the supervisor's live view."""

    def __init__(self, store: JobStore, supervisor: Supervisor, db: Database, clock: Clock) -> None:
        self.store = store
        self.supervisor = supervisor
        self.db = db
        self.clock = clock

    def job_dict(self, state: JobState) -> dict[str, Any]:
        """A job as the API shows it, with its state: running, disabled, no_handler, scheduled or idle."""
        spec = state.spec
        has_handler = self.supervisor.has_handler(spec.id)
        if state.running:
            status = "running"
        elif not spec.enabled:
            status = "disabled"
        elif not has_handler:
            status = "no_handler"
        elif state.next_run_at is not None:
            status = "scheduled"
        else:
            status = "idle"  # enabled, but the scheduler is not running (or found no due time)
        return {
            "id": spec.id,
            "kind": spec.kind,
            "description": spec.description,
            "trigger": dict(spec.trigger),
            "trigger_description": _trigger_description(spec.trigger),
            "enabled": spec.enabled,
            "market_hours_only": spec.market_hours_only,
            "scope": spec.scope,
            "timeout_seconds": spec.timeout_seconds,
            "status": status,
            "running": state.running,
            "has_handler": has_handler,
            "last_run_at": _time(state.last_run_at),
            "last_status": state.last_status,
            "next_run_at": _time(state.next_run_at),
        }

    async def install(self, specs: Iterable[JobSpec]) -> list[str]:
        """Insert the jobs that do not exist yet (defaults); existing ones keep the user's changes."""
        return await self.store.insert_default_jobs(specs)

    async def register(self, spec: JobSpec, handler: JobHandler) -> dict[str, Any]:
        """Add a job if new and give it its handler (e.g. a plugin's job as the plugin loads)."""
        await self.store.insert_default_jobs([spec])
        await self.supervisor.set_handler(spec.id, handler)
        return await self.get(spec.id)

    async def list(self, page: Page) -> Paged:
        """A page of jobs, ordered by id (there are a handful; the store returns them all)."""
        jobs = await self.store.load_jobs()
        chosen = jobs[page.offset : page.offset + page.page_size]
        return Paged([self.job_dict(state) for state in chosen], len(jobs), page)

    async def get(self, job_id: str) -> dict[str, Any]:
        """One job, or NotFound."""
        state = await self.store.get_job(job_id)
        if state is None:
            raise _not_found(job_id)
        return self.job_dict(state)

    async def update(self, job_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change a job (validated; 400 on an impossible trigger) and reschedule it."""
        clean = validate_job_changes(changes)
        if await self.store.get_job(job_id) is None:
            raise _not_found(job_id)
        scope = clean.get("scope")
        if scope is not None and await portfolio_repo.get_portfolio(self.db.reader, scope) is None:
            raise ValidationError.field("scope", scope, "no portfolio has this id")
        if clean:
            await self.store.update_job(job_id, **clean)
        # A scheduler that is not running computes due times when it starts, not now.
        state = await (self.supervisor.reschedule(job_id) if self.scheduler_running else self.store.get_job(job_id))
        if state is None:
            raise _not_found(job_id)
        return self.job_dict(state)

    async def run_now(self, job_id: str) -> dict[str, Any]:
        """Start a run now, bypassing the market-hours gate; 409 while one is going."""
        run_id = await self.supervisor.run_now(job_id)
        return {"job_id": job_id, "run_id": run_id, "status": "running", "started_at": utc_iso(self.clock.now())}

    async def runs(self, job_id: str, page: Page) -> Paged:
        """A page of a job's runs, newest first."""
        if await self.store.get_job(job_id) is None:
            raise _not_found(job_id)
        runs, total = await self.store.list_runs(job_id, page.page, page.page_size)
        return Paged([run_dict(run) for run in runs], total, page)

    def active_job_ids(self) -> list[str]:
        """Ids of the jobs running now (system info)."""
        return [run["job_id"] for run in self.supervisor.status()["active_runs"]]

    @property
    def scheduler_running(self) -> bool:
        """Whether the supervisor's loop is running."""
        return bool(self.supervisor.status()["running"])

    async def health(self, should_run: bool) -> dict[str, Any]:
        """The scheduler's health: ok when its loop runs, down when it should but does not, else disabled."""
        status = self.supervisor.status()
        verdict = "ok" if status["running"] else ("down" if should_run else "disabled")
        return {"status": verdict, **status}
