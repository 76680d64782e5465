"""Routes for the watchlist: symbols the opportunity scan covers, global or per portfolio (FR-19)."""

from __future__ import annotations

from aiohttp import web

from wheeld.http.envelope import ok, ok_page
from wheeld.http.keys import BODY, CONTAINER, PATH, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.watchlist import (
    WatchlistCreate,
    WatchlistDeleteQuery,
    WatchlistEntry,
    WatchlistQuery,
    WatchlistSymbolPath,
)
from wheeld.services.listing import Page

EXAMPLE = {
    "id": 4,
    "symbol": "KO",
    "portfolio_id": 1,
    "portfolio_name": "Income",
    "scope": "portfolio",
    "notes": "dividend payer; wait for a dip",
    "profile": "conservative",
    "created_at": "2026-11-24T15:00:00Z",
}
ONE, MANY = WatchlistEntry(), WatchlistEntry(many=True)


@endpoint(
    tag="watchlist",
    summary="Watchlist entries: all, one portfolio's (?portfolio_id=) or the global ones (?global=true)",
    response=WatchlistEntry,
    many=True,
    example=[EXAMPLE],
    query=WatchlistQuery,
)
async def list_watchlist(request: web.Request) -> web.Response:
    """GET /api/v1/watchlist"""
    q, c = request[QUERY], request.app[CONTAINER]
    paged = await c.watchlist.list(Page(q["page"], q["page_size"]), q.get("portfolio_id"), q["global_only"])
    return ok_page(paged, c.clock.now(), MANY)


@endpoint(
    tag="watchlist",
    summary="Add a symbol to a portfolio's watchlist (portfolio_id) or the global one, with notes and a profile",
    response=WatchlistEntry,
    status=201,
    example=EXAMPLE,
    body=WatchlistCreate,
    body_example={"symbol": "KO", "portfolio_id": 1, "notes": "dividend payer", "profile": "conservative"},
    errors=(404, 409),
)
async def add_to_watchlist(request: web.Request) -> web.Response:
    """POST /api/v1/watchlist"""
    c = request.app[CONTAINER]
    return ok(await c.watchlist.add(request[BODY]), c.clock.now(), ONE, status=201)


@endpoint(
    tag="watchlist",
    summary="Remove a symbol from the global watchlist, or from a portfolio's with ?portfolio_id=",
    status=204,
    path=WatchlistSymbolPath,
    query=WatchlistDeleteQuery,
    errors=(404,),
)
async def remove_from_watchlist(request: web.Request) -> web.Response:
    """DELETE /api/v1/watchlist/{symbol}"""
    await request.app[CONTAINER].watchlist.remove(request[PATH]["symbol"], request[QUERY].get("portfolio_id"))
    return web.Response(status=204)


def register(app: web.Application) -> None:
    """Add the watchlist routes."""
    r = app.router
    r.add_get("/api/v1/watchlist", list_watchlist, allow_head=False)
    r.add_post("/api/v1/watchlist", add_to_watchlist)
    r.add_delete("/api/v1/watchlist/{symbol}", remove_from_watchlist)
