"""Routes for wheels (FR-4, FR-5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from wheeld.app import Container
from wheeld.http.csv_stream import stream_csv
from wheeld.http.envelope import ok, ok_page
from wheeld.http.keys import BODY, CONTAINER, PATH, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.common import IdPath
from wheeld.http.schemas.wheels import (
    PortfolioWheelListQuery,
    Wheel,
    WheelCreate,
    WheelListQuery,
    WheelUpdate,
)
from wheeld.services.listing import MAX_PAGE_SIZE, Page

EXAMPLE = {
    "id": 3,
    "portfolio_id": 1,
    "portfolio_name": "Income",
    "symbol": "AAPL",
    "state": "shares",
    "profile": "moderate",
    "capital_allocated": 20000.0,
    "shares": 100,
    "cost_basis": 180.0,
    "adjusted_cost_basis": 175.3,
    "cycle_net_premium": 470.0,
    "starting_direction": "put",
    "cycle": 2,
    "notes": "",
    "is_active": True,
    "archived_at": None,
    "open_trade": None,
    "created_at": "2026-10-01T14:00:00Z",
    "updated_at": "2026-11-20T21:05:00Z",
}
ONE, MANY = Wheel(), Wheel(many=True)
_FILTERS = ("portfolio_id", "symbol", "state", "profile", "archived")


CSV_COLUMNS = tuple(name for name in ONE.fields if name != "open_trade")
CSV_PRODUCES = ["application/json", "text/csv"]


def query_filters(query: dict) -> dict:
    """The service filters from a parsed wheel-list query (the CLI's direct mode uses it too)."""
    return {k: query.get(k) for k in _FILTERS}


async def _every_page(c: Container, filters: dict[str, Any], sort: str) -> AsyncIterator[list[dict[str, Any]]]:
    page = 1
    while True:
        paged = await c.wheels.list(filters, Page(page, MAX_PAGE_SIZE), sort)
        yield paged.items
        if page * MAX_PAGE_SIZE >= paged.total:
            return
        page += 1


async def _wheels(request: web.Request, filters: dict[str, Any]) -> web.StreamResponse:
    q, c = request[QUERY], request.app[CONTAINER]
    if q["format"] == "csv":
        stamp = c.clock.today_ny().isoformat()
        return await stream_csv(
            request, _every_page(c, filters, q["sort"]), ONE, CSV_COLUMNS, f"wheeld-wheels-{stamp}.csv"
        )
    paged = await c.wheels.list(filters, Page(q["page"], q["page_size"]), q["sort"])
    return ok_page(paged, c.clock.now(), MANY)


@endpoint(
    tag="wheels",
    summary="List wheels across portfolios (filters: portfolio_id, symbol, state, archived)",
    response=Wheel,
    many=True,
    example=[EXAMPLE],
    query=WheelListQuery,
    produces=CSV_PRODUCES,
)
async def list_wheels(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/wheels (?format=csv: the whole selection)"""
    return await _wheels(request, query_filters(request[QUERY]))


@endpoint(
    tag="wheels",
    summary="List the wheels of a portfolio",
    response=Wheel,
    many=True,
    example=[EXAMPLE],
    path=IdPath,
    query=PortfolioWheelListQuery,
    errors=(404,),
    produces=CSV_PRODUCES,
)
async def list_portfolio_wheels(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/portfolios/{id}/wheels (?format=csv)"""
    portfolio = await request.app[CONTAINER].portfolios.get(request[PATH]["id"])
    return await _wheels(request, {**query_filters(request[QUERY]), "portfolio_id": portfolio["id"]})


@endpoint(
    tag="wheels",
    summary="Start a wheel in a portfolio (in cash, or holding shares with starting_direction call)",
    response=Wheel,
    status=201,
    example=EXAMPLE,
    path=IdPath,
    body=WheelCreate,
    body_example={"symbol": "AAPL", "profile": "moderate", "capital_allocated": 20000},
    errors=(404, 409),
)
async def create_wheel(request: web.Request) -> web.Response:
    """POST /api/v1/portfolios/{id}/wheels"""
    c = request.app[CONTAINER]
    created = await c.wheels.create(request[PATH]["id"], request[BODY])
    return ok(created, c.clock.now(), ONE, status=201)


@endpoint(
    tag="wheels",
    summary="Get a wheel: state, shares, cost basis, adjusted cost basis, open option",
    response=Wheel,
    example=EXAMPLE,
    path=IdPath,
    errors=(404,),
)
async def get_wheel(request: web.Request) -> web.Response:
    """GET /api/v1/wheels/{id}"""
    c = request.app[CONTAINER]
    return ok(await c.wheels.get(request[PATH]["id"]), c.clock.now(), ONE)


@endpoint(
    tag="wheels",
    summary="Update a wheel's profile, capital or notes; archive or restore it",
    response=Wheel,
    example=EXAMPLE,
    path=IdPath,
    body=WheelUpdate,
    body_example={"profile": "conservative", "capital_allocated": 25000},
    errors=(404, 409),
)
async def update_wheel(request: web.Request) -> web.Response:
    """PATCH /api/v1/wheels/{id}"""
    c = request.app[CONTAINER]
    return ok(await c.wheels.update(request[PATH]["id"], request[BODY]), c.clock.now(), ONE)


@endpoint(tag="wheels", summary="Delete a wheel and its trades", status=204, path=IdPath, errors=(404,))
async def delete_wheel(request: web.Request) -> web.Response:
    """DELETE /api/v1/wheels/{id}"""
    await request.app[CONTAINER].wheels.delete(request[PATH]["id"])
    return web.Response(status=204)


def register(app: web.Application) -> None:
    """Add the wheel routes."""
    r = app.router
    r.add_get("/api/v1/wheels", list_wheels, allow_head=False)
    r.add_get("/api/v1/portfolios/{id}/wheels", list_portfolio_wheels, allow_head=False)
    r.add_post("/api/v1/portfolios/{id}/wheels", create_wheel)
    r.add_get("/api/v1/wheels/{id}", get_wheel, allow_head=False)
    r.add_patch("/api/v1/wheels/{id}", update_wheel)
    r.add_delete("/api/v1/wheels/{id}", delete_wheel)
