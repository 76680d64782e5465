"""Opportunity scoring: the points of each part and the exclusions, in rows a trader can add up by hand."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from wheeld.domain.opportunity import Criteria, exclusion, liquidity_points, score
from wheeld.domain.recommendation import ContractFigures, TradeWarning

PICK = ContractFigures(
    label="pick",
    symbol="XYZ   261224P00095000",
    direction="put",
    strike=95.0,
    expiration_date="2026-12-24",
    dte=30,
    bid=1.0,
    ask=1.04,
    mid=1.02,
    premium_cents=10200,
    delta=-0.27,
    iv=0.3,
    sigma_distance=0.9,
    p_itm=0.2,
    open_interest=500,
    volume=10,
    spread_pct=5.0,
    collateral_cents=950000,
    premium_yield_pct=1.07,
    annualized_yield_pct=20.0,
    break_even=93.98,
    contracts=1,
    in_delta_band=True,
    in_sigma_band=False,
    below_cost_basis=False,
)
EARNINGS = [TradeWarning("EARNINGS_BEFORE_EXPIRATION", "earnings on 2026-12-10")]


@pytest.mark.parametrize(
    ("changes", "iv_rank", "trend", "parts", "total"),
    [
        # IV rank 60 → 18; 20 % / 40 % × 30 = 15; OI 500 = 5 × 100 → 10, spread 5 of 10 % → 5; neutral 10
        (
            {},
            60.0,
            "neutral",
            {"iv_rank": 18.0, "yield": 15.0, "liquidity": 15.0, "trend": 10.0, "earnings": 0.0},
            58.0,
        ),
        (
            {},
            None,
            "bullish",
            {"iv_rank": 15.0, "yield": 15.0, "liquidity": 15.0, "trend": 20.0, "earnings": 0.0},
            65.0,
        ),
        (
            {"annualized_yield_pct": 80.0, "open_interest": 100, "spread_pct": 0.0},
            100.0,
            "bearish",
            {"iv_rank": 30.0, "yield": 30.0, "liquidity": 12.0, "trend": 0.0, "earnings": 0.0},
            72.0,
        ),
        (
            {"warnings": EARNINGS},
            60.0,
            "neutral",
            {"iv_rank": 18.0, "yield": 15.0, "liquidity": 15.0, "trend": 10.0, "earnings": -25.0},
            33.0,
        ),
    ],
)
def test_score_parts_add_up(
    changes: dict[str, Any], iv_rank: float | None, trend: str, parts: dict[str, float], total: float
) -> None:
    result = score(replace(PICK, **changes), iv_rank, trend, Criteria())  # type: ignore[arg-type]
    assert result.parts == parts
    assert result.total == total == pytest.approx(sum(parts.values()))


@pytest.mark.parametrize(
    ("open_interest", "spread", "criteria", "points"),
    [
        (1000, 0.0, Criteria(), 20.0),
        (0, 10.0, Criteria(), 0.0),
        (None, None, Criteria(), 0.0),
        (250, 2.5, Criteria(), 5.0 + 7.5),
        (10, 20.0, Criteria(min_open_interest=0, max_spread_pct=0), 10.0),  # no minimum: full OI points
    ],
)
def test_liquidity_points(open_interest: int | None, spread: float | None, criteria: Criteria, points: float) -> None:
    assert liquidity_points(open_interest, spread, criteria) == pytest.approx(points)


@pytest.mark.parametrize(
    ("changes", "iv_rank", "criteria", "reason"),
    [
        ({}, 50.0, Criteria(), None),
        ({"warnings": EARNINGS}, 50.0, Criteria(), None),  # penalized, not excluded
        ({"warnings": EARNINGS}, 50.0, Criteria(earnings="exclude"), "earnings before the 2026-12-24 expiration"),
        ({}, 19.9, Criteria(min_iv_rank=20), "IV rank 19.9 < 20"),
        ({}, None, Criteria(min_iv_rank=20), None),  # unknown rank: not held against it
        ({}, 50.0, Criteria(min_annualized_yield_pct=25), "annualized yield 20.00 % < 25 %"),
        ({"open_interest": 99}, 50.0, Criteria(), "open interest 99 < 100"),
        ({"spread_pct": 10.5}, 50.0, Criteria(), "bid/ask spread 10.5 % > 10 %"),
    ],
)
def test_exclusions(changes: dict[str, Any], iv_rank: float | None, criteria: Criteria, reason: str | None) -> None:
    assert exclusion(replace(PICK, **changes), iv_rank, criteria) == reason


def test_criteria_take_given_values_over_the_defaults() -> None:
    defaults = Criteria(min_iv_rank=10, top_n=5)
    chosen = Criteria.from_mapping({"top_n": 3, "profile": None, "unknown": 1}, defaults)
    assert chosen == Criteria(min_iv_rank=10, top_n=3)
