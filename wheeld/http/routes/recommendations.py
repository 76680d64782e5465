"""Routes for recommendations: the next trade of one wheel, or of many in a batch (FR-18)."""

from __future__ import annotations

from aiohttp import web

from wheeld.http.envelope import ok
from wheeld.http.keys import BODY, CONTAINER, PATH
from wheeld.http.openapi import endpoint
from wheeld.http.schemas.common import IdPath
from wheeld.http.schemas.recommendations import BatchEntry, Recommendation, RecommendationBatch

PICK = {
    "label": "pick",
    "symbol": "AAPL  261224P00207500",
    "direction": "put",
    "strike": 207.5,
    "expiration_date": "2026-12-24",
    "dte": 30,
    "bid": 3.5,
    "ask": 3.65,
    "mid": 3.575,
    "premium": 357.5,
    "delta": -0.2772,
    "iv": 0.3177,
    "sigma_distance": 0.729,
    "p_itm": 0.2273,
    "open_interest": 24646,
    "volume": 3789,
    "spread_pct": 4.2,
    "collateral": 20750.0,
    "premium_yield_pct": 1.72,
    "annualized_yield_pct": 20.96,
    "break_even": 203.93,
    "contracts": 1,
    "in_delta_band": True,
    "in_sigma_band": False,
    "below_cost_basis": False,
    "warnings": [],
}
EXAMPLE = {
    "wheel_id": 1,
    "symbol": "AAPL",
    "direction": "put",
    "profile": "moderate",
    "pick": PICK,
    "alternatives": [
        {
            **PICK,
            "label": "one strike further from the money",
            "symbol": "AAPL  261224P00205000",
            "strike": 205.0,
            "bid": 2.94,
            "ask": 3.04,
            "mid": 2.99,
            "premium": 299.0,
            "delta": -0.2387,
            "iv": 0.3244,
            "sigma_distance": 0.917,
            "p_itm": 0.1746,
            "open_interest": 29466,
            "volume": 4790,
            "spread_pct": 3.34,
            "collateral": 20500.0,
            "premium_yield_pct": 1.46,
            "annualized_yield_pct": 17.75,
            "break_even": 202.01,
            "in_delta_band": False,
        }
    ],
    "warnings": [],
    "basis": {
        "symbol": "AAPL",
        "direction": "put",
        "price": 217.47,
        "hv30": 0.2246,
        "sigma_volatility": "hv30",
        "sma20": 221.79,
        "sma50": 215.06,
        "trend": "neutral",
        "bias": {
            "trend": "neutral",
            "base_target_delta": 0.275,
            "target_delta": 0.275,
            "shift": 0.0,
            "strike_moved": "none",
            "reason": "price 217.47 is between its 20-day (221.79) and 50-day (215.06) averages: no trend, no bias;"
            " target delta 0.275",
        },
        "method": "delta",
        "atm_iv": 0.295,
        "iv_rank": 84.5,
        "iv_rank_method": "chain ATM IV (about 30 DTE) within the 52-week range of rolling 30-day realized volatility",
        "profile": {"name": "moderate", "delta": [0.25, 0.3], "sigma": [1.0, 1.5], "dte": [21, 45], "max_p_itm": 0.35},
        "risk_free_rate": 0.04,
        "adjusted_cost_basis": None,
        "capital": 25000.0,
        "shares": 0,
        "candidates": 226,
        "earnings": [],
        "ex_dividends": [],
        "chain_source": "simulated",
        "chain_as_of": "2026-11-24T15:00:00Z",
        "chain_stale": False,
        "simulated": True,
    },
}
ONE, ENTRIES = Recommendation(), BatchEntry(many=True)


@endpoint(
    tag="recommendations",
    summary="The next trade for a wheel: a put from cash, a covered call from shares (409 with an open option)",
    description="Picks the contract whose |delta| is closest to the profile's target (shifted by the trend's bias) "
    "inside its DTE window, with two or three alternatives, warnings and the numbers behind them. `pick` is null, "
    "with a warning saying why, when no contract qualifies (e.g. every call strike is below the adjusted cost "
    "basis). A wheel with an open option, or archived, answers 409 INVALID_STATE.",
    response=Recommendation,
    example=EXAMPLE,
    path=IdPath,
    errors=(404, 409, 502),
)
async def wheel_recommendation(request: web.Request) -> web.Response:
    """GET /api/v1/wheels/{id}/recommendation"""
    c = request.app[CONTAINER]
    return ok(await c.recommendations.for_wheel(request[PATH]["id"]), c.clock.now(), ONE)


@endpoint(
    tag="recommendations",
    summary="Recommendations for many wheels: one entry per wheel asked for, an `error` where there is none",
    description="`wheel_ids` (up to 200) or `portfolio_id` (its active wheels in cash or shares), exactly one. "
    "Chains are fetched concurrently (recommendations.max_concurrency at a time); an unknown id, a wheel with "
    "an open option or a symbol the market-data provider fails on is an entry with an `error`, not a failed batch.",
    response=BatchEntry,
    many=True,
    paginated=False,
    example=[
        {"wheel_id": 1, "symbol": "AAPL", "recommendation": EXAMPLE, "error": None},
        {
            "wheel_id": 99,
            "symbol": None,
            "recommendation": None,
            "error": {"code": "NOT_FOUND", "message": "wheel 99 not found", "details": {"wheel_id": 99}},
        },
    ],
    body=RecommendationBatch,
    body_example={"wheel_ids": [1, 99]},
    errors=(404,),
)
async def batch_recommendations(request: web.Request) -> web.Response:
    """POST /api/v1/recommendations"""
    c, body = request.app[CONTAINER], request[BODY]
    entries = await c.recommendations.batch(body.get("wheel_ids"), body.get("portfolio_id"))
    return ok(entries, c.clock.now(), ENTRIES)


def register(app: web.Application) -> None:
    """Add the recommendation routes."""
    r = app.router
    r.add_get("/api/v1/wheels/{id}/recommendation", wheel_recommendation, allow_head=False)
    r.add_post("/api/v1/recommendations", batch_recommendations)
