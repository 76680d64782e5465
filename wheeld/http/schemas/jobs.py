"""Job and job-run requests and responses (FR-21, FR-22)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wheeld.http.schemas.common import MAX_ID, PageQuery, StrictBoolean, Timestamp, WholeNumber
from wheeld.scheduler.jobs import (
    FINAL_RUN_STATUSES,
    JOB_KINDS,
    MAX_TIMEOUT_SECONDS,
    MIN_TIMEOUT_SECONDS,
    RUN_STATUSES,
    RUN_TRIGGERS,
)
from wheeld.scheduler.triggers import MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS, TRIGGER_TYPES

JOB_ID_PATTERN = r"^[a-z0-9_:.-]{1,80}$"
JOB_STATUSES = ["running", "disabled", "no_handler", "scheduled", "idle"]


class JobIdPath(Schema):
    """`{id}` of a job: a core job's name or `plugin:<name>`."""

    id = fields.String(
        required=True,
        validate=validate.Regexp(JOB_ID_PATTERN, error="must be 1-80 characters of a-z 0-9 _ : . -"),
        metadata={"description": "Job id, e.g. price_refresh or plugin:earnings_alert"},
    )


class Trigger(Schema):
    """When a job is due: `{"type": "interval", "seconds": N}` or `{"type": "cron", "expression": "..."}`
    (five cron fields, New York time)."""

    type = fields.String(required=True, validate=validate.OneOf(TRIGGER_TYPES), metadata={"example": "interval"})
    seconds = WholeNumber(
        minimum=MIN_INTERVAL_SECONDS,
        maximum=MAX_INTERVAL_SECONDS,
        metadata={
            "description": f"interval: {MIN_INTERVAL_SECONDS} to {MAX_INTERVAL_SECONDS} seconds",
            "example": 300,
        },
    )
    expression = fields.String(
        metadata={"description": "cron: minute hour day-of-month month day-of-week", "example": "45 9 * * 1-5"}
    )


class Job(Schema):
    """A scheduled job: its trigger, gate, scope, timeout, and when it last ran and runs next."""

    id = fields.String(required=True, metadata={"example": "price_refresh"})
    kind = fields.String(required=True, validate=validate.OneOf(JOB_KINDS))
    description = fields.String(required=True)
    trigger = fields.Nested(Trigger, required=True)
    trigger_description = fields.String(required=True, metadata={"example": "every 5 minutes"})
    enabled = fields.Boolean(required=True)
    market_hours_only = fields.Boolean(
        required=True, metadata={"description": "Runs only while XNYS is open (manual runs bypass this)"}
    )
    scope = fields.Integer(
        allow_none=True, required=True, metadata={"description": "Portfolio id; null = every portfolio"}
    )
    timeout_seconds = fields.Integer(required=True, metadata={"example": 240})
    status = fields.String(
        required=True,
        validate=validate.OneOf(JOB_STATUSES),
        metadata={
            "description": "running; disabled; no_handler (e.g. its plugin is not loaded); scheduled "
            "(next_run_at is set); idle (enabled but the scheduler is not running)"
        },
    )
    running = fields.Boolean(required=True)
    has_handler = fields.Boolean(required=True)
    last_run_at = Timestamp(allow_none=True, required=True)
    last_status = fields.String(allow_none=True, required=True, validate=validate.OneOf(FINAL_RUN_STATUSES))
    next_run_at = Timestamp(allow_none=True, required=True)


class JobUpdate(Schema):
    """Changes to a job; a changed trigger, `enabled` or `market_hours_only` reschedules it."""

    enabled = StrictBoolean()
    market_hours_only = StrictBoolean()
    trigger = fields.Nested(Trigger)
    timeout_seconds = WholeNumber(minimum=MIN_TIMEOUT_SECONDS, maximum=MAX_TIMEOUT_SECONDS)
    scope = WholeNumber(
        minimum=1,
        maximum=MAX_ID,
        allow_none=True,
        metadata={"description": "Portfolio id, or null for every portfolio"},
    )
    description = fields.String(validate=validate.Length(max=500))


class JobRun(Schema):
    """One run of a job."""

    id = fields.Integer(required=True, metadata={"example": 42})
    job_id = fields.String(required=True, metadata={"example": "price_refresh"})
    trigger = fields.String(
        required=True,
        validate=validate.OneOf(RUN_TRIGGERS),
        metadata={"description": "schedule, or manual (POST /jobs/{id}/run)"},
    )
    status = fields.String(required=True, validate=validate.OneOf(RUN_STATUSES))
    started_at = Timestamp(required=True)
    finished_at = Timestamp(allow_none=True, required=True)
    duration_ms = fields.Integer(allow_none=True, required=True)
    error = fields.String(allow_none=True, required=True)
    summary = fields.String(allow_none=True, required=True, metadata={"example": "refreshed 12 symbols"})


class RunNow(Schema):
    """No fields: the request body may be empty."""


class RunStarted(Schema):
    """A manual run that has started; follow it in GET /api/v1/jobs/{id}/runs."""

    job_id = fields.String(required=True, metadata={"example": "price_refresh"})
    run_id = fields.Integer(required=True, metadata={"example": 43})
    status = fields.String(required=True, validate=validate.OneOf(["running"]))
    started_at = Timestamp(required=True)


class JobListQuery(PageQuery):
    """Paging of the job list (ordered by id)."""


class RunListQuery(PageQuery):
    """Paging of a job's runs (newest first)."""
