"""Routes for live position status (FR-8..FR-10)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from wheeld.app import Container
from wheeld.http.csv_stream import stream_csv
from wheeld.http.envelope import dumps, ok
from wheeld.http.keys import CONTAINER, PATH, POSITIONS_CACHE, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.response_cache import respond
from wheeld.http.schemas.common import IdPath
from wheeld.http.schemas.positions import PositionQuery, PositionStatus
from wheeld.services.listing import Page, Paged

EXAMPLE = {
    "trade_id": 7,
    "wheel_id": 3,
    "portfolio_id": 1,
    "symbol": "AAPL",
    "state": "short_put",
    "direction": "put",
    "strike": 180.0,
    "expiration_date": "2026-12-18",
    "contracts": 1,
    "current_price": 189.42,
    "price_source": "simulated",
    "price_as_of": "2026-11-25T15:30:00Z",
    "price_age_seconds": 12.0,
    "price_stale": False,
    "dte_calendar": 23,
    "dte_trading": 16,
    "approaching_expiration": False,
    "moneyness_pct": 5.23,
    "is_itm": False,
    "distance": 9.42,
    "risk_level": "LOW",
    "risk_icon": "🟢",
    "premium_collected": 235.0,
    "net_premium": 234.35,
    "breakeven": 177.66,
    "shares": 0,
    "opened_at": "2026-11-20T15:45:00Z",
}
ONE, MANY = PositionStatus(), PositionStatus(many=True)
CSV_COLUMNS = tuple(name for name in ONE.fields if name != "risk_icon")


@endpoint(
    tag="positions",
    summary="All open positions, priced in one batched call (filters: portfolio_id, "
    "symbol, risk_level, expires_before)",
    response=PositionStatus,
    many=True,
    example=[EXAMPLE],
    query=PositionQuery,
    errors=(502,),
    produces=["application/json", "text/csv"],
)
async def list_positions(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/positions (?format=csv: every open position, no pagination)"""
    q, c = request[QUERY], request.app[CONTAINER]
    filters = {k: q.get(k) for k in ("portfolio_id", "symbol", "risk_level")}
    filters["expires_before"] = q["expires_before"].isoformat() if q.get("expires_before") else None
    if q["format"] == "csv":
        stamp = c.clock.today_ny().isoformat()
        return await stream_csv(request, _all_at_once(c, filters), ONE, CSV_COLUMNS, f"wheeld-positions-{stamp}.csv")

    async def build() -> bytes:
        statuses = await c.positions.open_positions(filters)
        page = Page(q["page"], q["page_size"])
        paged = Paged(statuses[page.offset : page.offset + page.page_size], len(statuses), page)
        return dumps({"data": MANY.dump(paged.items), "pagination": paged.pagination()}).encode()

    fragment = await request.app[POSITIONS_CACHE].body((request.path_qs, c.db.version), build)
    return respond(fragment, c.clock.now())


async def _all_at_once(c: Container, filters: dict[str, Any]) -> AsyncIterator[list[dict[str, Any]]]:
    yield await c.positions.open_positions(filters)


@endpoint(
    tag="positions",
    summary="Status of a wheel's open option (409 when it has none)",
    response=PositionStatus,
    example=EXAMPLE,
    path=IdPath,
    errors=(404, 409, 502),
)
async def wheel_position(request: web.Request) -> web.Response:
    """GET /api/v1/wheels/{id}/position"""
    c = request.app[CONTAINER]
    return ok(await c.positions.for_wheel(request[PATH]["id"]), c.clock.now(), ONE)


def register(app: web.Application) -> None:
    """Add the position routes."""
    app.router.add_get("/api/v1/positions", list_positions, allow_head=False)
    app.router.add_get("/api/v1/wheels/{id}/position", wheel_position, allow_head=False)
