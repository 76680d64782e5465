"""Routes for health, system info and configuration (FR-31..FR-33)."""

from __future__ import annotations

from aiohttp import web

from wheeld.http.envelope import ok
from wheeld.http.keys import BODY, CONTAINER
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.common import ErrorEnvelope
from wheeld.http.schemas.system import (
    ConfigBody,
    ConfigUpdateResult,
    ConfigValidation,
    ConfigView,
    Health,
    SystemInfo,
)

HEALTH, INFO, VIEW, UPDATE, VALIDATION = (
    Health(),
    SystemInfo(),
    ConfigView(),
    ConfigUpdateResult(),
    ConfigValidation(),
)


@endpoint(
    tag="system",
    summary="Health: database, scheduler and market data (503 when the database is down)",
    response=Health,
    example={
        "status": "ok",
        "version": "0.1.0",
        "checked_at": "2026-11-25T15:30:00Z",
        "components": {
            "database": {"status": "ok"},
            "market_data": {"status": "ok", "provider": "simulated", "simulated": True},
        },
    },
    extra_responses={503: {"schema": Health, "description": "The database is unreachable"}},
    public=True,
)
async def health(request: web.Request) -> web.Response:
    """GET /api/v1/health"""
    c = request.app[CONTAINER]
    body, db_ok = await c.system.health()
    return ok(body, c.clock.now(), HEALTH, status=200 if db_ok else 503)


@endpoint(
    tag="system",
    summary="System information: version, uptime, database size, counts, active jobs",
    response=SystemInfo,
    example={
        "version": "0.1.0",
        "uptime_seconds": 3600.5,
        "db_path": "/var/lib/wheeld/wheeld.db",
        "db_size_bytes": 1048576,
        "schema_version": 1,
        "counts": {"portfolios": 2, "wheels": 5, "active_wheels": 4, "trades": 40, "open_trades": 3},
        "portfolios": 2,
        "wheels": 5,
        "active_wheels": 4,
        "trades": 40,
        "open_trades": 3,
        "active_jobs": ["price_refresh", "risk_monitor"],
    },
)
async def system_info(request: web.Request) -> web.Response:
    """GET /api/v1/system/info"""
    c = request.app[CONTAINER]
    return ok(await c.system.info(), c.clock.now(), INFO)


_CONFIG_EXAMPLE = {
    "server": {"host": "127.0.0.1", "port": 8000, "log_level": "INFO", "api_token": ""},
    "market_data": {"provider": "simulated"},
    "risk": {"medium_threshold_pct": 5.0},
}


@endpoint(
    tag="system",
    summary="Current configuration (secrets masked)",
    response=ConfigView,
    example=_CONFIG_EXAMPLE,
)
async def get_config(request: web.Request) -> web.Response:
    """GET /api/v1/config"""
    c = request.app[CONTAINER]
    return ok(c.settings.masked(), c.clock.now(), VIEW)


@endpoint(
    tag="system",
    summary="Update configuration: validated, persisted atomically, applied live "
    "where possible; says which changes need a restart",
    response=ConfigUpdateResult,
    body=ConfigBody,
    body_example={"server": {"log_level": "DEBUG"}, "risk": {"medium_threshold_pct": 7.5}},
    example={
        "config": _CONFIG_EXAMPLE,
        "changed": ["server.log_level"],
        "restart_required": [],
        "overridden_at_start": [],
        "file": "/var/lib/wheeld/config.yaml",
    },
)
async def put_config(request: web.Request) -> web.Response:
    """PUT /api/v1/config"""
    c = request.app[CONTAINER]
    return ok(await c.settings.update(request[BODY]), c.clock.now(), UPDATE)


@endpoint(
    tag="system",
    summary="Validate configuration changes without applying them",
    response=ConfigValidation,
    body=ConfigBody,
    body_example={"server": {"port": 70000}},
    example={
        "valid": False,
        "errors": [{"key": "server.port", "problem": "must be <= 65535, got 70000"}],
        "changed": [],
        "restart_required": [],
    },
)
async def validate_config(request: web.Request) -> web.Response:
    """POST /api/v1/config/validate"""
    c = request.app[CONTAINER]
    return ok(c.settings.validate(request[BODY]), c.clock.now(), VALIDATION)


def register(app: web.Application) -> None:
    """Add the system routes."""
    r = app.router
    r.add_get("/api/v1/health", health, allow_head=False)
    r.add_get("/api/v1/system/info", system_info, allow_head=False)
    r.add_get("/api/v1/config", get_config, allow_head=False)
    r.add_put("/api/v1/config", put_config)
    r.add_post("/api/v1/config/validate", validate_config)


__all__ = ["ErrorEnvelope", "register"]
