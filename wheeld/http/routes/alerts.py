"""Routes for alerts: list with filters, get one, acknowledge (FR-9)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from wheeld.http.envelope import ok, ok_page
from wheeld.http.keys import BODY, CONTAINER, PATH, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.alerts import Alert, AlertListQuery, AlertUpdate
from wheeld.http.schemas.common import IdPath
from wheeld.services.listing import Page

EXAMPLE: dict[str, Any] = {
    "id": 12,
    "kind": "itm",
    "severity": "HIGH",
    "condition_key": "itm:trade:7",
    "message": "AAPL 180.00 put exp 2026-12-18 is in the money (cushion -1.20%)",
    "details": {"risk_level": "HIGH", "is_itm": True, "moneyness_pct": -1.2, "dte_calendar": 23, "price": 177.84},
    "portfolio_id": 1,
    "wheel_id": 3,
    "trade_id": 7,
    "symbol": "AAPL",
    "source": "risk_monitor",
    "created_at": "2026-11-25T15:30:00Z",
    "acknowledged": False,
    "acknowledged_at": None,
    "active": True,
    "cleared_at": None,
    "deliveries": [
        {
            "channel": "log",
            "notifier": "",
            "status": "sent",
            "attempts": 1,
            "error": None,
            "delivered_at": "2026-11-25T15:30:00Z",
        },
        {
            "channel": "ntfy",
            "notifier": "phone",
            "status": "sent",
            "attempts": 1,
            "error": None,
            "delivered_at": "2026-11-25T15:30:00Z",
        },
    ],
}
ONE, MANY = Alert(), Alert(many=True)


@endpoint(
    tag="alerts",
    summary="List alerts, newest first (filters: acknowledged, active, kind, severity, portfolio, "
    "wheel, trade, symbol, source, since)",
    response=Alert,
    many=True,
    example=[EXAMPLE],
    query=AlertListQuery,
)
async def list_alerts(request: web.Request) -> web.Response:
    """GET /api/v1/alerts"""
    q, c = request[QUERY], request.app[CONTAINER]
    filters = {k: v for k, v in q.items() if k not in ("page", "page_size")}
    return ok_page(await c.alerts.list(filters, Page(q["page"], q["page_size"])), c.clock.now(), MANY)


@endpoint(tag="alerts", summary="Get an alert", response=Alert, example=EXAMPLE, path=IdPath, errors=(404,))
async def get_alert(request: web.Request) -> web.Response:
    """GET /api/v1/alerts/{id}"""
    c = request.app[CONTAINER]
    return ok(await c.alerts.get(request[PATH]["id"]), c.clock.now(), ONE)


@endpoint(
    tag="alerts",
    summary='Acknowledge an alert (`{"acknowledged": true}`; false takes it back)',
    response=Alert,
    example={**EXAMPLE, "acknowledged": True, "acknowledged_at": "2026-11-25T15:42:00Z"},
    path=IdPath,
    body=AlertUpdate,
    body_example={"acknowledged": True},
    errors=(404,),
)
async def update_alert(request: web.Request) -> web.Response:
    """PATCH /api/v1/alerts/{id}"""
    c = request.app[CONTAINER]
    return ok(await c.alerts.acknowledge(request[PATH]["id"], request[BODY]["acknowledged"]), c.clock.now(), ONE)


def register(app: web.Application) -> None:
    """Add the alert routes."""
    r = app.router
    r.add_get("/api/v1/alerts", list_alerts, allow_head=False)
    r.add_get("/api/v1/alerts/{id}", get_alert, allow_head=False)
    r.add_patch("/api/v1/alerts/{id}", update_alert)
