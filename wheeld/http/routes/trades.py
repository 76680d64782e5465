"""Routes for trades: record, history (JSON or CSV), metadata, settle, roll (FR-6, FR-7)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from wheeld.http.csv_stream import stream_csv
from wheeld.http.envelope import ok, ok_page
from wheeld.http.keys import BODY, CONTAINER, PATH, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.common import IdPath
from wheeld.http.schemas.wheels import (
    Roll,
    RollResult,
    Settle,
    SettleResult,
    Trade,
    TradeCreate,
    TradeCreated,
    TradeListQuery,
    TradeUpdate,
    WheelTradeListQuery,
)
from wheeld.services.listing import Page

EXAMPLE = {
    "id": 7,
    "wheel_id": 3,
    "portfolio_id": 1,
    "symbol": "AAPL",
    "direction": "put",
    "strike": 180.0,
    "expiration_date": "2026-12-18",
    "contracts": 1,
    "premium_per_share": 2.35,
    "total_premium": 235.0,
    "fees": 0.65,
    "close_cost": None,
    "net_premium": 234.35,
    "collateral": 18000.0,
    "outcome": "open",
    "result": None,
    "stock_price_at_expiry": None,
    "realized_stock_pnl": 0.0,
    "cycle": 1,
    "opened_at": "2026-11-20T15:45:00Z",
    "settled_at": None,
    "expired_at": None,
    "rolled_from_id": None,
    "rolled_to_id": None,
    "notes": "",
    "tags": [],
    "created_at": "2026-11-20T15:45:00Z",
    "updated_at": "2026-11-20T15:45:00Z",
}
CREATED_EXAMPLE = {**EXAMPLE, "wheel_state": "short_put", "warnings": []}
ONE, MANY, CREATED, ROLLED = Trade(), Trade(many=True), TradeCreated(), RollResult()
SETTLED = SettleResult()
CSV_COLUMNS = (
    "id",
    "portfolio_id",
    "wheel_id",
    "symbol",
    "direction",
    "strike",
    "expiration_date",
    "contracts",
    "premium_per_share",
    "total_premium",
    "fees",
    "close_cost",
    "net_premium",
    "outcome",
    "result",
    "stock_price_at_expiry",
    "realized_stock_pnl",
    "opened_at",
    "settled_at",
    "rolled_from_id",
    "rolled_to_id",
    "notes",
    "tags",
)
_FILTERS = ("portfolio_id", "wheel_id", "symbol", "direction", "start", "end")


def query_filters(query: dict[str, Any]) -> dict[str, Any]:
    """The service filters from a parsed trade-history query (the CLI's direct mode uses it too)."""
    filters = {k: query.get(k) for k in _FILTERS}
    for name in ("start", "end"):
        if filters[name] is not None:
            filters[name] = filters[name].isoformat()
    outcome = query.get("outcome")
    filters["outcomes"] = [o.strip() for o in outcome.split(",")] if outcome else []
    return filters


async def _history(request: web.Request, filters: dict[str, Any]) -> web.StreamResponse:
    q, c = request[QUERY], request.app[CONTAINER]
    if q["format"] == "csv":
        stamp = c.clock.today_ny().isoformat()
        return await stream_csv(
            request, c.trades.iter_all(filters, q["sort"]), ONE, CSV_COLUMNS, f"wheeld-trades-{stamp}.csv"
        )
    paged = await c.trades.list(filters, Page(q["page"], q["page_size"]), q["sort"])
    return ok_page(paged, c.clock.now(), MANY)


_CSV = {"produces": ["application/json", "text/csv"]}


@endpoint(
    tag="trades",
    summary="Trade history across portfolios: filters, sort, pagination; ?format=csv exports the whole selection",
    response=Trade,
    many=True,
    example=[EXAMPLE],
    query=TradeListQuery,
    errors=(404,),
    **_CSV,
)
async def list_trades(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/trades"""
    return await _history(request, query_filters(request[QUERY]))


@endpoint(
    tag="trades",
    summary="Trade history of one wheel (same filters; ?format=csv)",
    response=Trade,
    many=True,
    example=[EXAMPLE],
    path=IdPath,
    query=WheelTradeListQuery,
    errors=(404,),
    **_CSV,
)
async def list_wheel_trades(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/wheels/{id}/trades"""
    return await _history(request, {**query_filters(request[QUERY]), "wheel_id": request[PATH]["id"]})


@endpoint(
    tag="trades",
    summary="Record a short option: a put from cash or a covered call from shares",
    response=TradeCreated,
    status=201,
    example=CREATED_EXAMPLE,
    path=IdPath,
    body=TradeCreate,
    body_example={
        "direction": "put",
        "strike": 180,
        "expiration_date": "2026-12-18",
        "contracts": 1,
        "premium_per_share": 2.35,
        "fees": 0.65,
    },
    errors=(404, 409),
)
async def record_trade(request: web.Request) -> web.Response:
    """POST /api/v1/wheels/{id}/trades"""
    c = request.app[CONTAINER]
    created = await c.trades.record(request[PATH]["id"], request[BODY])
    return ok(created, c.clock.now(), CREATED, status=201)


@endpoint(tag="trades", summary="Get a trade", response=Trade, example=EXAMPLE, path=IdPath, errors=(404,))
async def get_trade(request: web.Request) -> web.Response:
    """GET /api/v1/trades/{id}"""
    c = request.app[CONTAINER]
    return ok(await c.trades.get(request[PATH]["id"]), c.clock.now(), ONE)


@endpoint(
    tag="trades",
    summary="Update a trade's notes and tags (and fees while it is open)",
    response=Trade,
    example=EXAMPLE,
    path=IdPath,
    body=TradeUpdate,
    body_example={"notes": "earnings play", "tags": ["q4"]},
    errors=(404, 409),
)
async def update_trade(request: web.Request) -> web.Response:
    """PATCH /api/v1/trades/{id}"""
    c = request.app[CONTAINER]
    return ok(await c.trades.update(request[PATH]["id"], request[BODY]), c.clock.now(), ONE)


@endpoint(
    tag="trades",
    summary="Settle an open option: expired, assigned or closed (bought back); `contracts` settles part of it",
    response=SettleResult,
    example={
        **CREATED_EXAMPLE,
        "outcome": "assigned",
        "result": "loss",
        "stock_price_at_expiry": 176.4,
        "wheel_state": "shares",
    },
    path=IdPath,
    body=Settle,
    body_example={"outcome": "assigned", "stock_price_at_expiry": 176.4},
    errors=(404, 409),
)
async def settle_trade(request: web.Request) -> web.Response:
    """POST /api/v1/trades/{id}/settle"""
    c = request.app[CONTAINER]
    return ok(await c.trades.settle(request[PATH]["id"], request[BODY]), c.clock.now(), SETTLED)


@endpoint(
    tag="trades",
    summary="Roll an open option: buy it back and sell the next one, linked, in one step",
    response=RollResult,
    status=201,
    example={
        "closed": {**EXAMPLE, "outcome": "rolled", "close_cost": 410.0, "rolled_to_id": 8},
        "opened": {**EXAMPLE, "id": 8, "strike": 175.0, "expiration_date": "2027-01-15", "rolled_from_id": 7},
        "wheel_state": "short_put",
        "warnings": [],
    },
    path=IdPath,
    body=Roll,
    body_example={
        "close_cost": 410,
        "new": {"strike": 175, "expiration_date": "2027-01-15", "premium_per_share": 4.8},
    },
    errors=(404, 409),
)
async def roll_trade(request: web.Request) -> web.Response:
    """POST /api/v1/trades/{id}/roll"""
    c = request.app[CONTAINER]
    return ok(await c.trades.roll(request[PATH]["id"], request[BODY]), c.clock.now(), ROLLED, status=201)


def register(app: web.Application) -> None:
    """Add the trade routes."""
    r = app.router
    r.add_get("/api/v1/trades", list_trades, allow_head=False)
    r.add_get("/api/v1/wheels/{id}/trades", list_wheel_trades, allow_head=False)
    r.add_post("/api/v1/wheels/{id}/trades", record_trade)
    r.add_get("/api/v1/trades/{id}", get_trade, allow_head=False)
    r.add_patch("/api/v1/trades/{id}", update_trade)
    r.add_post("/api/v1/trades/{id}/settle", settle_trade)
    r.add_post("/api/v1/trades/{id}/roll", roll_trade)
