"""Routes for snapshots, trends and performance (FR-11..FR-17)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web
from marshmallow import Schema

from wheeld.db.totals import Scope
from wheeld.http.csv_stream import stream_csv
from wheeld.http.envelope import ok, ok_page
from wheeld.http.keys import BODY, CONTAINER, PATH, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.analytics import (
    Metrics,
    PerformanceQuery,
    PortfolioMetrics,
    Snapshot,
    SnapshotCreate,
    SnapshotQuery,
    SnapshotRun,
    SymbolMetrics,
    Timeline,
    TimelinePoint,
    Trend,
    TrendQuery,
    WheelCycles,
)
from wheeld.http.schemas.common import IdPath
from wheeld.services.listing import Page
from wheeld.services.performance import period_scope

SNAPSHOT = {
    "id": 1,
    "trade_id": 7,
    "wheel_id": 3,
    "portfolio_id": 1,
    "symbol": "AAPL",
    "direction": "put",
    "strike": 180.0,
    "expiration_date": "2026-12-18",
    "snapshot_date": "2026-11-24",
    "current_price": 189.42,
    "dte_calendar": 24,
    "dte_trading": 17,
    "moneyness_pct": 5.23,
    "is_itm": False,
    "risk_level": "LOW",
    "risk_icon": "🟢",
    "option_mark": 1.12,
    "premium_captured_pct": 52.34,
    "price_source": "simulated",
    "price_as_of": "2026-11-24T21:00:00Z",
    "price_age_seconds": 1800.0,
    "price_stale": False,
    "created_at": "2026-11-24T21:30:00Z",
    "updated_at": "2026-11-24T21:30:00Z",
}
METRICS = {
    "portfolio_id": 1,
    "wheel_id": None,
    "symbol": None,
    "period_start": "2026-08-27",
    "period_end": "2026-11-24",
    "days": 90,
    "total_premium": 2150.0,
    "total_trades": 12,
    "open_trades": 2,
    "settled_trades": 10,
    "winning_trades": 8,
    "losing_trades": 2,
    "win_rate": 80.0,
    "cycles_closed": 3,
    "cycles_won": 2,
    "cycle_win_rate": 66.67,
    "average_premium": 179.17,
    "fees": 15.6,
    "close_costs": 120.0,
    "premium_net": 2014.4,
    "realized_stock_pnl": 300.0,
    "unrealized_stock_pnl": -85.0,
    "total_pnl": 2229.4,
    "capital_allocated": 30000.0,
    "capital_deployed": 24500.0,
    "annualized_return": 33.34,
    "return_on_capital": 7.43,
    "unpriced_symbols": [],
    "price_as_of": "2026-11-24T16:42:10Z",
    "price_age_seconds": 41.0,
    "price_stale": False,
    "stale_symbols": [],
}
# The CSV has one row per scope: the wheel scope's nested `cycles` block is JSON only.
METRIC_COLUMNS = tuple(name for name in Metrics._declared_fields if name != "cycles")
CYCLE = {
    "cycle": 1,
    "status": "closed",
    "start_date": "2026-09-02",
    "end_date": "2026-10-31",
    "days": 59,
    "trades": [
        {
            "id": 4,
            "direction": "put",
            "strike": 30.0,
            "contracts": 1,
            "outcome": "assigned",
            "opened_on": "2026-09-02",
            "settled_on": "2026-09-19",
            "net_premium": 85.0,
        },
        {
            "id": 5,
            "direction": "call",
            "strike": 31.0,
            "contracts": 1,
            "outcome": "assigned",
            "opened_on": "2026-10-01",
            "settled_on": "2026-10-31",
            "net_premium": 40.0,
        },
    ],
    "premium_net": 125.0,
    "realized_stock_pnl": 100.0,
    "unrealized_stock_pnl": 0.0,
    "total_pnl": 225.0,
    "collateral_days": 177000.0,
    "annualized_return": 46.4,
    "result": "win",
}


def _scope(request: web.Request) -> Scope:
    q, c = request[QUERY], request.app[CONTAINER]
    base = Scope(portfolio_id=q.get("portfolio_id"), wheel_id=q.get("wheel_id"), symbol=q.get("symbol"))
    period = q.get("period") or (None if q.get("start") or q.get("end") else "all")
    return period_scope(base, c.clock.today_ny(), period, q.get("start"), q.get("end"))


async def _one_chunk(items: list[dict[str, Any]]) -> AsyncIterator[list[dict[str, Any]]]:
    yield items


async def _answer(
    request: web.Request, items: Any, schema: Schema, columns: tuple[str, ...], name: str, many: bool
) -> web.StreamResponse:
    c = request.app[CONTAINER]
    if request[QUERY].get("format") == "csv":
        rows = items if many else [items]
        return await stream_csv(
            request, _one_chunk(rows), schema, columns, f"wheeld-{name}-{c.clock.today_ny().isoformat()}.csv"
        )
    return ok(items, c.clock.now(), schema.__class__(many=many))


_CSV = {"produces": ["application/json", "text/csv"]}


@endpoint(
    tag="analytics",
    summary="Take snapshots now for today's New York date (idempotent per trade and day)",
    response=SnapshotRun,
    status=201,
    body=SnapshotCreate,
    body_example={"portfolio_id": 1},
    example={"snapshot_date": "2026-11-24", "taken": 3, "open_positions": 3, "unpriced_symbols": []},
    errors=(404, 502),
)
async def take_snapshots(request: web.Request) -> web.Response:
    """POST /api/v1/snapshots"""
    c = request.app[CONTAINER]
    portfolio_id = request[BODY].get("portfolio_id")
    if portfolio_id is not None:
        await c.portfolios.get(portfolio_id)
    return ok(await c.snapshots.take(portfolio_id), c.clock.now(), SnapshotRun(), status=201)


@endpoint(
    tag="analytics",
    summary="Snapshots by trade, wheel, portfolio, symbol and date range",
    response=Snapshot,
    many=True,
    example=[SNAPSHOT],
    query=SnapshotQuery,
)
async def list_snapshots(request: web.Request) -> web.Response:
    """GET /api/v1/snapshots"""
    q, c = request[QUERY], request.app[CONTAINER]
    filters = {k: q.get(k) for k in ("trade_id", "wheel_id", "portfolio_id", "symbol")}
    filters.update({k: q[k].isoformat() for k in ("start", "end") if q.get(k)})
    paged = await c.snapshots.list(filters, Page(q["page"], q["page_size"]), q["sort"])
    return ok_page(paged, c.clock.now(), Snapshot(many=True))


@endpoint(
    tag="analytics",
    summary="The latest snapshot of a trade",
    response=Snapshot,
    example=SNAPSHOT,
    path=IdPath,
    errors=(404,),
)
async def latest_snapshot(request: web.Request) -> web.Response:
    """GET /api/v1/trades/{id}/snapshots/latest"""
    c = request.app[CONTAINER]
    return ok(await c.snapshots.latest(request[PATH]["id"]), c.clock.now(), Snapshot())


@endpoint(
    tag="analytics",
    summary="Trend of a wheel's open (or chosen) trade: price, moneyness, risk changes, time decay",
    response=Trend,
    path=IdPath,
    query=TrendQuery,
    errors=(404,),
    example={
        "wheel_id": 3,
        "trade_id": 7,
        "symbol": "AAPL",
        "direction": "put",
        "strike": 180.0,
        "expiration_date": "2026-12-18",
        "outcome": "open",
        "points": 2,
        "price": [{"date": "2026-11-23", "value": 186.1}, {"date": "2026-11-24", "value": 189.42}],
        "moneyness": [
            {"date": "2026-11-23", "value": 3.39, "is_itm": False},
            {"date": "2026-11-24", "value": 5.23, "is_itm": False},
        ],
        "risk_changes": [{"date": "2026-11-24", "from": "MEDIUM", "to": "LOW"}],
        "time_decay": [
            {
                "date": "2026-11-24",
                "dte_calendar": 24,
                "dte_trading": 17,
                "option_mark": 1.12,
                "premium_captured_pct": 52.34,
            }
        ],
    },
)
async def wheel_trend(request: web.Request) -> web.Response:
    """GET /api/v1/wheels/{id}/trend"""
    c = request.app[CONTAINER]
    trend = await c.snapshots.trend(request[PATH]["id"], request[QUERY].get("trade_id"))
    return ok(trend, c.clock.now(), Trend())


@endpoint(
    tag="analytics",
    summary="Performance of a wheel, a portfolio, a symbol or everything over a period (?format=csv)",
    response=Metrics,
    example=METRICS,
    query=PerformanceQuery,
    errors=(404,),
    **_CSV,
)
async def performance(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/performance"""
    c = request.app[CONTAINER]
    metrics = await c.performance.metrics(_scope(request))
    return await _answer(request, metrics, Metrics(), METRIC_COLUMNS, "performance", many=False)


@endpoint(
    tag="analytics",
    summary="A wheel's cycles, cash back to cash (or still open), with their P&L and result",
    response=WheelCycles,
    path=IdPath,
    errors=(404,),
    example={
        "wheel_id": 3,
        "symbol": "F",
        "cycles_closed": 1,
        "cycles_won": 1,
        "cycle_win_rate": 100.0,
        "price_source": None,
        "price_as_of": None,
        "price_age_seconds": None,
        "price_stale": None,
        "cycles": [CYCLE],
    },
)
async def wheel_cycles(request: web.Request) -> web.Response:
    """GET /api/v1/wheels/{id}/cycles"""
    c = request.app[CONTAINER]
    cycles = await c.performance.wheel_cycles.for_wheel(request[PATH]["id"])
    return ok(cycles, c.clock.now(), WheelCycles())


@endpoint(
    tag="analytics",
    summary="Portfolios side by side over a period (?format=csv)",
    response=PortfolioMetrics,
    many=True,
    paginated=False,
    example=[{**METRICS, "portfolio_name": "Income"}],
    query=PerformanceQuery,
    errors=(404,),
    **_CSV,
)
async def performance_portfolios(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/performance/portfolios"""
    c = request.app[CONTAINER]
    rows = await c.performance.by_portfolio(_scope(request))
    return await _answer(
        request, rows, PortfolioMetrics(), ("portfolio_name", *METRIC_COLUMNS), "portfolios", many=True
    )


@endpoint(
    tag="analytics",
    summary="Symbols ranked best to worst by total P&L (?format=csv)",
    response=SymbolMetrics,
    many=True,
    paginated=False,
    example=[{**METRICS, "portfolio_id": None, "symbol": "AAPL", "rank": 1}],
    query=PerformanceQuery,
    errors=(404,),
    **_CSV,
)
async def performance_symbols(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/performance/symbols"""
    c = request.app[CONTAINER]
    rows = await c.performance.by_symbol(_scope(request))
    return await _answer(request, rows, SymbolMetrics(), ("rank", *METRIC_COLUMNS), "symbols", many=True)


@endpoint(
    tag="analytics",
    summary="Cumulative P&L over time for charts (?format=csv gives the points)",
    response=Timeline,
    query=PerformanceQuery,
    errors=(404,),
    **_CSV,
    example={
        "period_start": "2026-11-01",
        "period_end": "2026-11-24",
        "realized_total": 327.0,
        "unrealized_stock_pnl": 0.0,
        "points": [
            {
                "date": "2026-11-06",
                "trades": 1,
                "premium_net": 78.7,
                "realized_stock_pnl": 0.0,
                "pnl": 78.7,
                "cumulative_pnl": 78.7,
            },
            {
                "date": "2026-11-20",
                "trades": 1,
                "premium_net": -1.7,
                "realized_stock_pnl": 250.0,
                "pnl": 248.3,
                "cumulative_pnl": 327.0,
            },
        ],
    },
)
async def performance_timeline(request: web.Request) -> web.StreamResponse:
    """GET /api/v1/performance/timeline"""
    c = request.app[CONTAINER]
    timeline = await c.performance.timeline(_scope(request))
    if request[QUERY].get("format") == "csv":
        return await _answer(
            request, timeline["points"], TimelinePoint(), tuple(TimelinePoint._declared_fields), "timeline", many=True
        )
    return ok(timeline, c.clock.now(), Timeline())


def register(app: web.Application) -> None:
    """Add the analytics routes."""
    r = app.router
    r.add_post("/api/v1/snapshots", take_snapshots)
    r.add_get("/api/v1/snapshots", list_snapshots, allow_head=False)
    r.add_get("/api/v1/trades/{id}/snapshots/latest", latest_snapshot, allow_head=False)
    r.add_get("/api/v1/wheels/{id}/trend", wheel_trend, allow_head=False)
    r.add_get("/api/v1/wheels/{id}/cycles", wheel_cycles, allow_head=False)
    r.add_get("/api/v1/performance", performance, allow_head=False)
    r.add_get("/api/v1/performance/portfolios", performance_portfolios, allow_head=False)
    r.add_get("/api/v1/performance/symbols", performance_symbols, allow_head=False)
    r.add_get("/api/v1/performance/timeline", performance_timeline, allow_head=False)
