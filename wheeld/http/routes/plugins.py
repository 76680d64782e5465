"""Routes for plugins: list, register, inspect, change, remove (FR-25, FR-26)."""

from __future__ import annotations

from aiohttp import web

from wheeld.http.envelope import ok, ok_page
from wheeld.http.keys import BODY, CONTAINER, PATH, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.routes.jobs import EXAMPLE as JOB_EXAMPLE
from wheeld.http.schemas.plugins import Plugin, PluginCreate, PluginListQuery, PluginNamePath, PluginUpdate
from wheeld.services.listing import Page

SCHEDULE = {"type": "cron", "expression": "0 8 * * 1-5"}
EXAMPLE = {
    "name": "earnings_alert",
    "version": "1.0.0",
    "description": "Alert when a wheel's or watchlist symbol reports earnings within N days (once per report)",
    "source": "builtin",
    "module": "wheeld.builtin_plugins.earnings_alert",
    "location": "wheeld.builtin_plugins.earnings_alert",
    "builtin": True,
    "status": "enabled",
    "error": None,
    "enabled": True,
    "registered": True,
    "job_id": "plugin:earnings_alert",
    "default_schedule": SCHEDULE,
    "schedule": SCHEDULE,
    "config": {"days": 7, "include_watchlist": True, "severity": "MEDIUM"},
    "config_keys": [
        {
            "name": "days",
            "type": "Integer",
            "default": 7,
            "required": False,
            "description": "Alert when a report is at most this many calendar days away.",
        }
    ],
    "job": {
        **JOB_EXAMPLE,
        "id": "plugin:earnings_alert",
        "kind": "plugin",
        "description": "Alert when a wheel's or watchlist symbol reports earnings within N days (once per report)",
        "trigger": SCHEDULE,
        "trigger_description": "cron 0 8 * * 1-5 (New York time)",
        "market_hours_only": False,
        "timeout_seconds": 120,
        "last_run_at": "2026-11-25T13:00:00Z",
        "next_run_at": "2026-11-26T13:00:00Z",
    },
}
BROKEN_EXAMPLE = {
    **EXAMPLE,
    "name": "my_alert",
    "version": None,
    "description": "",
    "source": "directory",
    "module": "my_alert",
    "location": "/home/me/.local/share/wheeld/plugins/my_alert.py",
    "builtin": False,
    "status": "broken",
    "error": "SyntaxError: invalid syntax (my_alert.py, line 12)",
    "enabled": False,
    "registered": False,
    "job_id": "plugin:my_alert",
    "default_schedule": None,
    "schedule": None,
    "config": {},
    "config_keys": [],
    "job": None,
}
ONE, MANY = Plugin(), Plugin(many=True)


@endpoint(
    tag="plugins",
    summary="List the plugins: built-ins (always), plugin files, entry points; broken ones with their error",
    response=Plugin,
    many=True,
    example=[EXAMPLE, BROKEN_EXAMPLE],
    query=PluginListQuery,
)
async def list_plugins(request: web.Request) -> web.Response:
    """GET /api/v1/plugins"""
    q, c = request[QUERY], request.app[CONTAINER]
    return ok_page(await c.plugins.list(Page(q["page"], q["page_size"])), c.clock.now(), MANY)


@endpoint(
    tag="plugins",
    summary="Register a discovered plugin by name or module and schedule it at once",
    description="Only plugins found among the built-ins, the plugins directory and `wheeld.plugins` entry points "
    "can be registered (a file added to the directory since start-up is found by a rescan); never a path or "
    "uploaded code. 404 when no source has it, 409 INVALID_STATE when it is broken, 409 CONFLICT when it is "
    "already enabled. Its job `plugin:<name>` appears in the jobs API.",
    response=Plugin,
    status=201,
    example=EXAMPLE,
    body=PluginCreate,
    body_example={"name": "earnings_alert", "config": {"days": 10}},
    errors=(404, 409),
)
async def register_plugin(request: web.Request) -> web.Response:
    """POST /api/v1/plugins"""
    c = request.app[CONTAINER]
    return ok(await c.plugins.register(request[BODY]), c.clock.now(), ONE, status=201)


@endpoint(tag="plugins", summary="Get a plugin", response=Plugin, example=EXAMPLE, path=PluginNamePath, errors=(404,))
async def get_plugin(request: web.Request) -> web.Response:
    """GET /api/v1/plugins/{name}"""
    c = request.app[CONTAINER]
    return ok(await c.plugins.get(request[PATH]["name"]), c.clock.now(), ONE)


@endpoint(
    tag="plugins",
    summary="Change a plugin: enable or disable it, its schedule, gate, timeout or settings",
    description="The schedule is validated like a job trigger; settings are merged over the stored ones and "
    "checked by the plugin's schema (400 VALIDATION_ERROR naming `config.<key>`; null resets a key). "
    "Changes are stored and survive restarts. 409 INVALID_STATE to enable a broken or missing plugin.",
    response=Plugin,
    example={**EXAMPLE, "config": {"days": 10, "include_watchlist": True, "severity": "MEDIUM"}},
    path=PluginNamePath,
    body=PluginUpdate,
    body_example={"config": {"days": 10}, "schedule": {"type": "cron", "expression": "30 8 * * 1-5"}},
    errors=(404, 409),
)
async def update_plugin(request: web.Request) -> web.Response:
    """PATCH /api/v1/plugins/{name}"""
    c = request.app[CONTAINER]
    return ok(await c.plugins.update(request[PATH]["name"], request[BODY]), c.clock.now(), ONE)


@endpoint(
    tag="plugins",
    summary="Remove a plugin from the schedule; its job and run history stay in the jobs API",
    description='Its job is disabled (the same as PATCH {"enabled": false}); its settings and store are kept, '
    "and POST /api/v1/plugins registers it again. A built-in stays listed.",
    status=204,
    path=PluginNamePath,
    errors=(404,),
)
async def remove_plugin(request: web.Request) -> web.Response:
    """DELETE /api/v1/plugins/{name}"""
    await request.app[CONTAINER].plugins.remove(request[PATH]["name"])
    return web.Response(status=204)


def register(app: web.Application) -> None:
    """Add the plugin routes."""
    r = app.router
    r.add_get("/api/v1/plugins", list_plugins, allow_head=False)
    r.add_post("/api/v1/plugins", register_plugin)
    r.add_get("/api/v1/plugins/{name}", get_plugin, allow_head=False)
    r.add_patch("/api/v1/plugins/{name}", update_plugin)
    r.add_delete("/api/v1/plugins/{name}", remove_plugin)
