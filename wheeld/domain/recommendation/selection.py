"""The pick: candidates inside the profile's window, the contract nearest the biased target, alternatives.

See the package docstring for the definitions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from wheeld.domain.recommendation.figures import (
    Context,
    ContractFigures,
    below_basis,
    contract_figures,
    dollars,
    round_or_none,
)
from wheeld.domain.recommendation.inputs import ListedOption, Underlying, WheelTerms
from wheeld.domain.recommendation.profiles import Profile, Settings
from wheeld.domain.recommendation.trend import SMA_LONG, SMA_SHORT, apply_bias, trend_of
from wheeld.domain.recommendation.volatility import (
    IV_RANK_METHOD,
    atm_iv,
    historical_volatility,
    iv_rank,
    rolling_volatility,
    sigma_distance,
    simple_average,
)
from wheeld.domain.recommendation.warnings import (
    EARNINGS_UNKNOWN,
    LOW_IV_RANK,
    NO_CONTRACTS,
    UNKNOWN_PROFILE,
    TradeWarning,
    all_below_basis,
    contract_warnings,
)


def _figures(contract: ListedOption, ctx: Context, label: str = "pick") -> ContractFigures:
    """Every figure the API shows for one contract, with the contract's own warnings."""
    figures = contract_figures(contract, ctx, label)
    return replace(figures, warnings=contract_warnings(figures, ctx))


@dataclass(frozen=True)
class Recommendation:
    """The pick (or None, with a warning saying why), alternatives, warnings and the numbers behind them."""

    pick: ContractFigures | None
    alternatives: list[ContractFigures]
    warnings: list[TradeWarning]
    basis: dict[str, Any]


def _candidates(contracts: Sequence[ListedOption], ctx: Context) -> list[ListedOption]:
    p = ctx.profile
    return sorted(
        (
            c
            for c in contracts
            if c.direction == ctx.wheel.direction
            and p.min_dte <= (c.expiration - ctx.today).days <= p.max_dte
            and c.bid is not None
            and c.bid > 0
            and c.mid is not None
        ),
        key=lambda c: (c.expiration, c.strike),
    )


def _distance_key(ctx: Context, target: float, method: str) -> Any:
    def key(c: ListedOption) -> tuple[float, int, float]:
        if method == "delta":
            gap = abs(abs(c.delta) - target) if c.delta is not None else math.inf
        else:
            vol = ctx.volatility if ctx.volatility is not None else c.iv
            sigma = sigma_distance(ctx.underlying.price, c.strike, vol, (c.expiration - ctx.today).days)
            gap = abs(sigma - ctx.profile.sigma_target) if sigma is not None else math.inf
        # Ties: the nearer expiration, then the strike further from the money (the safer one).
        further = c.strike if c.direction == "put" else -c.strike
        return (round(gap, 9), (c.expiration - ctx.today).days, further)

    return key


def _further(c: ListedOption, than: ListedOption) -> bool:
    return c.strike < than.strike if c.direction == "put" else c.strike > than.strike


def _alternatives(
    pick: ListedOption, candidates: list[ListedOption], eligible: list[ListedOption], key: Any, count: int
) -> list[tuple[str, ListedOption]]:
    same = [c for c in candidates if c.expiration == pick.expiration]
    further = sorted((c for c in same if _further(c, pick)), key=lambda c: abs(c.strike - pick.strike))
    closer = sorted((c for c in same if _further(pick, c)), key=lambda c: abs(c.strike - pick.strike))
    expirations = sorted({c.expiration for c in eligible})
    at = expirations.index(pick.expiration)
    neighbours = expirations[at + 1 : at + 2] + expirations[max(at - 1, 0) : at]
    chosen: list[tuple[str, ListedOption]] = []
    if further:
        chosen.append(("one strike further from the money", further[0]))
    if closer:
        chosen.append(("one strike closer to the money", closer[0]))
    for expiration in neighbours:
        best = min((c for c in eligible if c.expiration == expiration), key=key)
        later = expiration > pick.expiration
        chosen.append((f"best of the {'next' if later else 'previous'} expiration", best))
    return chosen[:count]


def recommend(
    today: date,
    underlying: Underlying,
    contracts: Sequence[ListedOption],
    wheel: WheelTerms,
    profile: Profile,
    settings: Settings,
    *,
    requested_profile: str | None = None,
) -> Recommendation:
    """The next contract to sell for a wheel: the pick, 2–3 alternatives, warnings and the basis."""
    closes = list(underlying.closes)
    hv = historical_volatility(closes)
    sma_short, sma_long = simple_average(closes, SMA_SHORT), simple_average(closes, SMA_LONG)
    trend = trend_of(underlying.price, sma_short, sma_long)
    bias = apply_bias(
        wheel.direction, trend, profile.delta_target, settings.bias_delta_shift, underlying.price, sma_short, sma_long
    )
    ctx = Context(today, underlying, wheel, profile, settings, hv)
    current_iv = atm_iv(contracts, underlying.price, today)
    rank = iv_rank(current_iv, rolling_volatility(closes))
    candidates = _candidates(contracts, ctx)
    method = "delta" if any(c.delta is not None for c in candidates) else "sigma"
    key = _distance_key(ctx, bias.target, method)
    eligible = [c for c in candidates if not below_basis(c, ctx)]
    if method == "delta":
        eligible = [c for c in eligible if c.delta is not None]
    warnings: list[TradeWarning] = []
    if requested_profile is not None and requested_profile != profile.name:
        warnings.append(
            TradeWarning(
                UNKNOWN_PROFILE,
                f"profile {requested_profile!r} is not defined in recommendations.profiles; "
                f"{profile.name}'s parameters were used",
            )
        )
    pick: ContractFigures | None = None
    alternatives: list[ContractFigures] = []
    if eligible:
        chosen = min(eligible, key=key)
        pick = _figures(chosen, ctx)
        alternatives = [
            _figures(c, ctx, label)
            for label, c in _alternatives(chosen, candidates, eligible, key, settings.alternatives)
        ]
    elif candidates:
        warnings.append(all_below_basis(candidates, ctx))
        ranked = sorted(candidates, key=key)[: settings.alternatives]
        alternatives = [_figures(c, ctx, "below the adjusted cost basis") for c in ranked]
    else:
        warnings.append(
            TradeWarning(
                NO_CONTRACTS,
                f"no {wheel.direction} with a bid in the {profile.min_dte}–{profile.max_dte} day window of the "
                f"{profile.name} profile",
            )
        )
    if rank is not None and rank < settings.min_iv_rank:
        warnings.append(
            TradeWarning(
                LOW_IV_RANK, f"IV rank {rank:.0f} is below {settings.min_iv_rank:g}: premiums are cheap for this symbol"
            )
        )
    if not underlying.earnings_known:
        warnings.append(
            TradeWarning(EARNINGS_UNKNOWN, "the earnings calendar could not be read: check the dates yourself")
        )
    if pick is not None:
        warnings.extend(pick.warnings)
    basis = {
        "symbol": underlying.symbol,
        "direction": wheel.direction,
        "price": underlying.price,
        "hv30": round_or_none(hv, 4),
        "sigma_volatility": "hv30" if hv is not None else "contract_iv",
        "sma20": round_or_none(sma_short, 2),
        "sma50": round_or_none(sma_long, 2),
        "trend": trend,
        "bias": {
            "trend": bias.trend,
            "base_target_delta": round(bias.base_target, 4),
            "target_delta": round(bias.target, 4),
            "shift": round(bias.shift, 4),
            "strike_moved": bias.strike_moved,
            "reason": bias.reason,
        },
        "method": method,
        "atm_iv": round_or_none(current_iv, 4),
        "iv_rank": round_or_none(rank, 1),
        "iv_rank_method": IV_RANK_METHOD if rank is not None else None,
        "profile": profile.as_dict(),
        "risk_free_rate": settings.risk_free_rate,
        "adjusted_cost_basis": dollars(wheel.adjusted_cost_basis) if wheel.adjusted_cost_basis is not None else None,
        "capital": wheel.capital_cents,
        "shares": wheel.shares,
        "candidates": len(candidates),
        "earnings": [d.isoformat() for d in sorted(underlying.earnings)] if underlying.earnings_known else None,
        "ex_dividends": [d.isoformat() for d in sorted(underlying.ex_dividends)],
    }
    return Recommendation(pick, alternatives, warnings, basis)
