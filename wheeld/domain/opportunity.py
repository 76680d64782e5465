"""Scoring wheel candidates for the opportunity scan (FR-19): the recommended put of each symbol, in points.

score = IV rank + yield + liquidity + trend − earnings penalty, each part shown:
- **iv_rank** (up to 30): IV rank / 100 × 30 — rich premiums; an unknown rank counts as 50 (15 points).
- **yield** (up to 30): annualized premium yield on collateral / 40 % × 30, capped at 30.
- **liquidity** (up to 20): 10 × min(open interest / (5 × min open interest), 1)
  + 10 × max(0, 1 − spread % / max spread %) — fills near the mid.
- **trend** (up to 20): bullish 20, neutral 10, bearish 0 — a put seller wants the price to hold or rise.
- **earnings** (0 or −penalty): earnings before the put's expiration, when criteria.earnings is `penalize`;
  with `exclude` such a candidate is left out instead.
Candidates failing a criterion (IV rank, yield, open interest, spread) are left out with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from wheeld.domain.recommendation import EARNINGS_BEFORE_EXPIRATION, ContractFigures, Trend

EarningsRule = Literal["exclude", "penalize"]
IV_RANK_POINTS = 30.0
YIELD_POINTS = 30.0
LIQUIDITY_POINTS = 20.0
TREND_POINTS = 20.0
# Annualized yield earning the full yield points: beyond it, more yield mostly means more risk.
FULL_YIELD_PCT = 40.0
# Open interest this many times the minimum earns the full open-interest half of the liquidity points.
FULL_OPEN_INTEREST_FACTOR = 5
UNKNOWN_IV_RANK = 50.0
TREND_SHARE = {"bullish": 1.0, "neutral": 0.5, "bearish": 0.0}


@dataclass(frozen=True)
class Criteria:
    """What a scan looks for; defaults come from the `opportunities.*` config keys."""

    min_iv_rank: float = 0.0
    min_annualized_yield_pct: float = 0.0
    earnings: EarningsRule = "penalize"
    earnings_penalty: float = 25.0
    min_open_interest: int = 100
    max_spread_pct: float = 10.0
    # None: each candidate's own profile (watchlist entry or wheel), else the configured default.
    profile: str | None = None
    top_n: int = 20

    def as_dict(self) -> dict[str, Any]:
        """The criteria as stored with a scan and shown by the API."""
        return asdict(self)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], defaults: Criteria) -> Criteria:
        """`defaults` with the given values (None or missing keeps the default)."""
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__ and v is not None}
        return cls(**{**asdict(defaults), **known})


@dataclass(frozen=True)
class Score:
    """A candidate's score and its parts (points; they add up to the total)."""

    total: float
    parts: dict[str, float]


def earnings_in_window(pick: ContractFigures) -> bool:
    """Whether earnings fall before the pick's expiration."""
    return EARNINGS_BEFORE_EXPIRATION in pick.codes


def exclusion(pick: ContractFigures, iv_rank: float | None, criteria: Criteria) -> str | None:
    """Why a candidate is left out of the ranking, or None when it qualifies."""
    if criteria.earnings == "exclude" and earnings_in_window(pick):
        return f"earnings before the {pick.expiration_date} expiration"
    if iv_rank is not None and iv_rank < criteria.min_iv_rank:
        return f"IV rank {iv_rank:.1f} < {criteria.min_iv_rank:g}"
    if pick.annualized_yield_pct < criteria.min_annualized_yield_pct:
        return f"annualized yield {pick.annualized_yield_pct:.2f} % < {criteria.min_annualized_yield_pct:g} %"
    if pick.open_interest is None or pick.open_interest < criteria.min_open_interest:
        return f"open interest {pick.open_interest} < {criteria.min_open_interest}"
    if pick.spread_pct is None or pick.spread_pct > criteria.max_spread_pct:
        return f"bid/ask spread {pick.spread_pct} % > {criteria.max_spread_pct:g} %"
    return None


def liquidity_points(open_interest: int | None, spread_pct: float | None, criteria: Criteria) -> float:
    """Half for open interest (full at 5 × the minimum), half for a spread well under the maximum."""
    half = LIQUIDITY_POINTS / 2.0
    full_oi = FULL_OPEN_INTEREST_FACTOR * criteria.min_open_interest
    oi_share = 1.0 if full_oi <= 0 else min((open_interest or 0) / full_oi, 1.0)
    if spread_pct is None:
        spread_share = 0.0
    elif criteria.max_spread_pct <= 0:
        spread_share = 1.0 if spread_pct <= 0 else 0.0
    else:
        spread_share = max(0.0, 1.0 - spread_pct / criteria.max_spread_pct)
    return half * oi_share + half * spread_share


def score(pick: ContractFigures, iv_rank: float | None, trend: Trend, criteria: Criteria) -> Score:
    """The candidate's points: IV rank, yield, liquidity, trend, less the earnings penalty."""
    rank = UNKNOWN_IV_RANK if iv_rank is None else iv_rank
    parts = {
        "iv_rank": round(IV_RANK_POINTS * rank / 100.0, 2),
        "yield": round(YIELD_POINTS * min(max(pick.annualized_yield_pct, 0.0) / FULL_YIELD_PCT, 1.0), 2),
        "liquidity": round(liquidity_points(pick.open_interest, pick.spread_pct, criteria), 2),
        "trend": round(TREND_POINTS * TREND_SHARE[trend], 2),
        "earnings": -round(criteria.earnings_penalty, 2) if earnings_in_window(pick) else 0.0,
    }
    return Score(round(sum(parts.values()), 2), parts)
