"""Health, system info and configuration payloads."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wheeld.http.schemas.common import Timestamp


class Health(Schema):
    """Overall and per-component health."""

    status = fields.String(required=True, validate=validate.OneOf(["ok", "degraded", "down"]))
    version = fields.String(required=True, metadata={"example": "0.1.0"})
    checked_at = Timestamp(required=True)
    components = fields.Dict(
        required=True,
        metadata={"description": "database, scheduler, market_data …: each with a status and details"},
    )


class Counts(Schema):
    """How much data wheeld holds."""

    portfolios = fields.Integer(required=True)
    wheels = fields.Integer(required=True)
    active_wheels = fields.Integer(required=True)
    trades = fields.Integer(required=True)
    open_trades = fields.Integer(required=True)


class SystemInfo(Schema):
    """Version, uptime, database size, counts, active jobs."""

    version = fields.String(required=True, metadata={"example": "0.1.0"})
    uptime_seconds = fields.Float(required=True, metadata={"example": 3600.5})
    db_path = fields.String(required=True)
    db_size_bytes = fields.Integer(required=True, metadata={"example": 1048576})
    schema_version = fields.Integer(required=True, metadata={"example": 1})
    counts = fields.Nested(Counts, required=True)
    portfolios = fields.Integer(required=True)
    wheels = fields.Integer(required=True)
    active_wheels = fields.Integer(required=True)
    trades = fields.Integer(required=True)
    open_trades = fields.Integer(required=True)
    active_jobs = fields.List(fields.String(), required=True, metadata={"example": ["price_refresh"]})


class ConfigBody(Schema):
    """Configuration sections (the PRD §8.1 YAML layout) with the keys to change; secrets may be sent
    back masked to keep them."""

    class Meta:
        unknown = "include"


class ConfigView(Schema):
    """The effective configuration, secrets masked."""

    class Meta:
        unknown = "include"

    server = fields.Dict()
    database = fields.Dict()
    scheduler = fields.Dict()
    market_hours = fields.Dict()
    market_data = fields.Dict()
    external_apis = fields.Dict()
    caching = fields.Dict()
    risk = fields.Dict()
    notifiers = fields.Dict()


class ConfigUpdateResult(Schema):
    """What a config update changed and what needs a restart."""

    config = fields.Nested(ConfigView, required=True)
    changed = fields.List(fields.String(), required=True)
    restart_required = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Changed keys that take effect only after a restart"},
    )
    overridden_at_start = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "Changed keys that the environment or a flag overrides at the next start"},
    )
    file = fields.String(required=True)


class ConfigProblem(Schema):
    """One invalid key."""

    key = fields.String(allow_none=True)
    problem = fields.String(allow_none=True)


class ConfigValidation(Schema):
    """The verdict on proposed changes."""

    valid = fields.Boolean(required=True)
    errors = fields.List(fields.Nested(ConfigProblem), required=True)
    changed = fields.List(fields.String(), required=True)
    restart_required = fields.List(fields.String(), required=True)
