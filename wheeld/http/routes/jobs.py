"""Routes for scheduled jobs: list, inspect, change, run now, run history (FR-21, FR-22)."""

from __future__ import annotations

from aiohttp import web

from wheeld.http.envelope import ok, ok_page
from wheeld.http.keys import BODY, CONTAINER, PATH, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.jobs import Job, JobIdPath, JobListQuery, JobRun, JobUpdate, RunListQuery, RunNow, RunStarted
from wheeld.services.listing import Page

EXAMPLE = {
    "id": "price_refresh",
    "kind": "core",
    "description": "Refresh quotes of every symbol with an open position (one batched call)",
    "trigger": {"type": "interval", "seconds": 300},
    "trigger_description": "every 5 minutes",
    "enabled": True,
    "market_hours_only": True,
    "scope": None,
    "timeout_seconds": 240,
    "status": "scheduled",
    "running": False,
    "has_handler": True,
    "last_run_at": "2026-11-25T15:25:00Z",
    "last_status": "success",
    "next_run_at": "2026-11-25T15:35:00Z",
}
RUN_EXAMPLE = {
    "id": 42,
    "job_id": "price_refresh",
    "trigger": "schedule",
    "status": "success",
    "started_at": "2026-11-25T15:25:00Z",
    "finished_at": "2026-11-25T15:25:01Z",
    "duration_ms": 840,
    "error": None,
    "summary": "refreshed 12 symbols",
}
ONE, MANY, RUNS, STARTED = Job(), Job(many=True), JobRun(many=True), RunStarted()


@endpoint(
    tag="jobs",
    summary="List the scheduled jobs with their triggers, last and next runs",
    response=Job,
    many=True,
    example=[EXAMPLE],
    query=JobListQuery,
)
async def list_jobs(request: web.Request) -> web.Response:
    """GET /api/v1/jobs"""
    q, c = request[QUERY], request.app[CONTAINER]
    return ok_page(await c.jobs.list(Page(q["page"], q["page_size"])), c.clock.now(), MANY)


@endpoint(tag="jobs", summary="Get a job", response=Job, example=EXAMPLE, path=JobIdPath, errors=(404,))
async def get_job(request: web.Request) -> web.Response:
    """GET /api/v1/jobs/{id}"""
    c = request.app[CONTAINER]
    return ok(await c.jobs.get(request[PATH]["id"]), c.clock.now(), ONE)


@endpoint(
    tag="jobs",
    summary="Change a job: enable or disable it, its trigger, market-hours gate, timeout or scope",
    description="A trigger is validated: an impossible cron expression (e.g. `0 0 30 2 *`) or an interval "
    "under 60 seconds is a 400 VALIDATION_ERROR. Changing the trigger, `enabled` or `market_hours_only` "
    "reschedules the job from now; the change is stored and survives restarts.",
    response=Job,
    example={**EXAMPLE, "trigger": {"type": "interval", "seconds": 600}, "trigger_description": "every 10 minutes"},
    path=JobIdPath,
    body=JobUpdate,
    body_example={"trigger": {"type": "interval", "seconds": 600}, "enabled": True},
    errors=(404,),
)
async def update_job(request: web.Request) -> web.Response:
    """PATCH /api/v1/jobs/{id}"""
    c = request.app[CONTAINER]
    return ok(await c.jobs.update(request[PATH]["id"], request[BODY]), c.clock.now(), ONE)


@endpoint(
    tag="jobs",
    summary="Run a job now (bypasses the market-hours gate and `enabled`); answers once it has started",
    description="202 with the run id; the outcome appears in GET /api/v1/jobs/{id}/runs. "
    "409 INVALID_STATE while the job is already running (details name the run) or when it has no handler.",
    response=RunStarted,
    status=202,
    example={"job_id": "price_refresh", "run_id": 43, "status": "running", "started_at": "2026-11-25T15:30:00Z"},
    path=JobIdPath,
    body=RunNow,
    body_example={},
    errors=(404, 409),
)
async def run_job(request: web.Request) -> web.Response:
    """POST /api/v1/jobs/{id}/run"""
    c = request.app[CONTAINER]
    return ok(await c.jobs.run_now(request[PATH]["id"]), c.clock.now(), STARTED, status=202)


@endpoint(
    tag="jobs",
    summary="A job's run history, newest first",
    response=JobRun,
    many=True,
    example=[RUN_EXAMPLE],
    path=JobIdPath,
    query=RunListQuery,
    errors=(404,),
)
async def list_runs(request: web.Request) -> web.Response:
    """GET /api/v1/jobs/{id}/runs"""
    q, c = request[QUERY], request.app[CONTAINER]
    paged = await c.jobs.runs(request[PATH]["id"], Page(q["page"], q["page_size"]))
    return ok_page(paged, c.clock.now(), RUNS)


def register(app: web.Application) -> None:
    """Add the job routes."""
    r = app.router
    r.add_get("/api/v1/jobs", list_jobs, allow_head=False)
    r.add_get("/api/v1/jobs/{id}", get_job, allow_head=False)
    r.add_patch("/api/v1/jobs/{id}", update_job)
    r.add_post("/api/v1/jobs/{id}/run", run_job)
    r.add_get("/api/v1/jobs/{id}/runs", list_runs, allow_head=False)
