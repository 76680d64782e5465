"""Routes for opportunity scans: run one now, read the latest results (FR-19)."""

from __future__ import annotations

from aiohttp import web

from wheeld.http.envelope import ok, ok_page
from wheeld.http.keys import BODY, CONTAINER, QUERY
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.opportunities import Opportunity, OpportunityQuery, ScanCriteria, ScanResult
from wheeld.services.listing import Page

EXAMPLE = {
    "id": 12,
    "scan_id": 3,
    "scanned_at": "2026-11-24T15:00:02Z",
    "rank": 1,
    "symbol": "AAPL",
    "wheel_id": 1,
    "portfolio_id": 1,
    "profile": "moderate",
    "score": 70.81,
    "score_parts": {"iv_rank": 25.35, "yield": 15.72, "liquidity": 19.74, "trend": 10.0, "earnings": 0.0},
    "direction": "put",
    "option_symbol": "AAPL  261224P00207500",
    "strike": 207.5,
    "expiration_date": "2026-12-24",
    "dte": 30,
    "bid": 3.5,
    "ask": 3.65,
    "mid": 3.575,
    "premium": 357.5,
    "collateral": 20750.0,
    "delta": -0.2772,
    "iv": 0.3177,
    "sigma_distance": 0.729,
    "p_itm": 0.2273,
    "open_interest": 24646,
    "spread_pct": 4.2,
    "premium_yield_pct": 1.72,
    "annualized_yield_pct": 20.96,
    "break_even": 203.93,
    "price": 217.47,
    "iv_rank": 84.5,
    "trend": "neutral",
    "warnings": [],
}
SCAN = {
    "id": 3,
    "started_at": "2026-11-24T15:00:00Z",
    "finished_at": "2026-11-24T15:00:02Z",
    "trigger": "manual",
    "portfolio_id": None,
    "criteria": {
        "min_iv_rank": 0.0,
        "min_annualized_yield_pct": 0.0,
        "earnings": "penalize",
        "earnings_penalty": 25.0,
        "min_open_interest": 100,
        "max_spread_pct": 10.0,
        "profile": None,
        "top_n": 20,
    },
    "candidates": 2,
    "count": 1,
    "excluded": [
        {
            "symbol": "SOFI",
            "wheel_id": None,
            "portfolio_id": None,
            "reason": "bid/ask spread 14.29 % > 10 %",
        }
    ],
    "iv_rank_method": "chain ATM IV (about 30 DTE) within the 52-week range of rolling 30-day realized volatility",
}
RESULT, MANY = ScanResult(), Opportunity(many=True)


@endpoint(
    tag="opportunities",
    summary="Scan every watchlist symbol and wheel in cash now; answers once the ranked results are stored",
    description="Each candidate's recommended put is scored: IV rank (up to 30 points), annualized yield (30), "
    "liquidity (20), trend (20), less a penalty when earnings fall before expiration (or excluded, with "
    "earnings=exclude). Candidates failing a criterion are listed in `excluded` with the reason. Criteria "
    "default to the opportunities.* config keys.",
    response=ScanResult,
    status=201,
    example={"scan": SCAN, "opportunities": [EXAMPLE]},
    body=ScanCriteria,
    body_example={"min_iv_rank": 20, "earnings": "exclude", "top_n": 10},
    errors=(404, 502),
)
async def scan_opportunities(request: web.Request) -> web.Response:
    """POST /api/v1/opportunities/scan"""
    c, criteria = request.app[CONTAINER], dict(request[BODY])
    scope = criteria.pop("portfolio_id", None)
    result = await c.opportunities.scan(criteria, "manual", scope)
    return ok(result, c.clock.now(), RESULT, status=201)


@endpoint(
    tag="opportunities",
    summary="The latest scan's opportunities, best first, each with its score, the parts of it and the scan time",
    response=Opportunity,
    many=True,
    example=[EXAMPLE],
    query=OpportunityQuery,
)
async def list_opportunities(request: web.Request) -> web.Response:
    """GET /api/v1/opportunities"""
    q, c = request[QUERY], request.app[CONTAINER]
    _, paged = await c.opportunities.latest(Page(q["page"], q["page_size"]))
    return ok_page(paged, c.clock.now(), MANY)


def register(app: web.Application) -> None:
    """Add the opportunity routes."""
    r = app.router
    r.add_post("/api/v1/opportunities/scan", scan_opportunities)
    r.add_get("/api/v1/opportunities", list_opportunities, allow_head=False)
