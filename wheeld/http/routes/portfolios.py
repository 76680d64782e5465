"""Routes for portfolios (FR-1..FR-3)."""

from __future__ import annotations

from aiohttp import web

from wheeld.http.envelope import ok, ok_page
from wheeld.http.keys import BODY, CONTAINER, PATH, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.common import IdPath
from wheeld.http.schemas.portfolios import (
    Portfolio,
    PortfolioCreate,
    PortfolioListQuery,
    PortfolioSummary,
    PortfolioUpdate,
)
from wheeld.services.listing import Page

EXAMPLE = {
    "id": 1,
    "name": "Income",
    "description": "Dividend names, conservative",
    "default_capital": 50000.0,
    "is_default": True,
    "created_at": "2026-11-25T15:30:00Z",
    "updated_at": "2026-11-25T15:30:00Z",
}
ONE, MANY, SUMMARY = Portfolio(), Portfolio(many=True), PortfolioSummary()


@endpoint(
    tag="portfolios",
    summary="List portfolios",
    response=Portfolio,
    many=True,
    example=[EXAMPLE],
    query=PortfolioListQuery,
)
async def list_portfolios(request: web.Request) -> web.Response:
    """GET /api/v1/portfolios"""
    q, c = request[QUERY], request.app[CONTAINER]
    paged = await c.portfolios.list(Page(q["page"], q["page_size"]), q["sort"])
    return ok_page(paged, c.clock.now(), MANY)


@endpoint(
    tag="portfolios",
    summary="Create a portfolio (the first one becomes the default)",
    response=Portfolio,
    status=201,
    example=EXAMPLE,
    body=PortfolioCreate,
    body_example={"name": "Income", "description": "Dividend names", "default_capital": 50000},
    errors=(409,),
)
async def create_portfolio(request: web.Request) -> web.Response:
    """POST /api/v1/portfolios"""
    body, c = request[BODY], request.app[CONTAINER]
    created = await c.portfolios.create(body["name"], body["description"], body["default_capital_cents"])
    return ok(created, c.clock.now(), ONE, status=201)


@endpoint(
    tag="portfolios",
    summary="Get a portfolio",
    response=Portfolio,
    example=EXAMPLE,
    path=IdPath,
    errors=(404,),
)
async def get_portfolio(request: web.Request) -> web.Response:
    """GET /api/v1/portfolios/{id}"""
    c = request.app[CONTAINER]
    return ok(await c.portfolios.get(request[PATH]["id"]), c.clock.now(), ONE)


@endpoint(
    tag="portfolios",
    summary="Update a portfolio (name, description, default capital, default flag)",
    response=Portfolio,
    example=EXAMPLE,
    path=IdPath,
    body=PortfolioUpdate,
    body_example={"description": "Dividend names, conservative", "is_default": True},
    errors=(404, 409),
)
async def update_portfolio(request: web.Request) -> web.Response:
    """PATCH /api/v1/portfolios/{id}"""
    c = request.app[CONTAINER]
    updated = await c.portfolios.update(request[PATH]["id"], request[BODY])
    return ok(updated, c.clock.now(), ONE)


@endpoint(
    tag="portfolios",
    summary="Delete a portfolio with its wheels, trades and snapshots",
    status=204,
    path=IdPath,
    errors=(404,),
)
async def delete_portfolio(request: web.Request) -> web.Response:
    """DELETE /api/v1/portfolios/{id}"""
    await request.app[CONTAINER].portfolios.delete(request[PATH]["id"])
    return web.Response(status=204)


@endpoint(
    tag="portfolios",
    summary="Portfolio summary: wheels, positions, capital, premium, win/loss, P&L",
    response=PortfolioSummary,
    path=IdPath,
    errors=(404,),
    example={
        "portfolio_id": 1,
        "total_wheels": 3,
        "active_wheels": 2,
        "open_positions": 2,
        "capital_allocated": 30000.0,
        "total_trades": 12,
        "total_premium": 2150.0,
        "fees": 15.6,
        "close_costs": 120.0,
        "premium_net": 2014.4,
        "realized_stock_pnl": 300.0,
        "unrealized_stock_pnl": -85.0,
        "net_pnl": 2229.4,
        "wins": 8,
        "losses": 2,
        "win_rate": 80.0,
        "unpriced_symbols": [],
        "price_as_of": "2026-11-24T16:42:10Z",
        "price_age_seconds": 41.0,
        "price_stale": False,
        "stale_symbols": [],
    },
)
async def portfolio_summary(request: web.Request) -> web.Response:
    """GET /api/v1/portfolios/{id}/summary"""
    c = request.app[CONTAINER]
    return ok(await c.portfolios.summary(request[PATH]["id"]), c.clock.now(), SUMMARY)


def register(app: web.Application) -> None:
    """Add the portfolio routes."""
    r = app.router
    r.add_get("/api/v1/portfolios", list_portfolios, allow_head=False)
    r.add_post("/api/v1/portfolios", create_portfolio)
    r.add_get("/api/v1/portfolios/{id}", get_portfolio, allow_head=False)
    r.add_patch("/api/v1/portfolios/{id}", update_portfolio)
    r.add_delete("/api/v1/portfolios/{id}", delete_portfolio)
    r.add_get("/api/v1/portfolios/{id}/summary", portfolio_summary, allow_head=False)
