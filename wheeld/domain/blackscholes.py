"""Black-Scholes-Merton prices, greeks, P(ITM) and implied volatility for European options.

Units: `t_years` in years (ACT/365), `rate`, `vol` and `dividend` as annual decimals (0.04, 0.25).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

OptionKind = Literal["call", "put"]

_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def norm_cdf(x: float) -> float:
    """Standard normal cumulative distribution N(x)."""
    return 0.5 * (1.0 + math.erf(x / _SQRT_2))


def norm_pdf(x: float) -> float:
    """Standard normal density n(x)."""
    return _INV_SQRT_2PI * math.exp(-0.5 * x * x)


def _check_kind(kind: str) -> None:
    if kind not in ("call", "put"):
        raise ValueError(f"option kind must be 'call' or 'put', not {kind!r}")


def _check_inputs(spot: float, strike: float) -> None:
    if spot <= 0 or strike <= 0:
        raise ValueError(f"spot and strike must be positive (spot={spot}, strike={strike})")


def _degenerate(t_years: float, vol: float) -> bool:
    # At expiry, or with no volatility, the option is worth its (discounted) intrinsic value.
    return t_years <= 0.0 or vol <= 0.0


def d1_d2(
    spot: float, strike: float, t_years: float, rate: float, vol: float, dividend: float = 0.0
) -> tuple[float, float]:
    """The d1 and d2 terms of Black-Scholes-Merton; needs t_years > 0 and vol > 0."""
    _check_inputs(spot, strike)
    if _degenerate(t_years, vol):
        raise ValueError("d1/d2 need t_years > 0 and vol > 0")
    vol_sqrt_t = vol * math.sqrt(t_years)
    d1 = (math.log(spot / strike) + (rate - dividend + 0.5 * vol * vol) * t_years) / vol_sqrt_t
    return d1, d1 - vol_sqrt_t


def _forward_intrinsic(
    kind: OptionKind, spot: float, strike: float, t_years: float, rate: float, dividend: float
) -> float:
    t = max(t_years, 0.0)
    fwd_spot = spot * math.exp(-dividend * t)
    pv_strike = strike * math.exp(-rate * t)
    return max(fwd_spot - pv_strike, 0.0) if kind == "call" else max(pv_strike - fwd_spot, 0.0)


def bs_price(
    kind: OptionKind,
    spot: float,
    strike: float,
    t_years: float,
    rate: float,
    vol: float,
    dividend: float = 0.0,
) -> float:
    """Model price per share of a European call or put (intrinsic value at expiry)."""
    _check_kind(kind)
    _check_inputs(spot, strike)
    if _degenerate(t_years, vol):
        return _forward_intrinsic(kind, spot, strike, t_years, rate, dividend)
    d1, d2 = d1_d2(spot, strike, t_years, rate, vol, dividend)
    fwd_spot = spot * math.exp(-dividend * t_years)
    pv_strike = strike * math.exp(-rate * t_years)
    if kind == "call":
        return fwd_spot * norm_cdf(d1) - pv_strike * norm_cdf(d2)
    return pv_strike * norm_cdf(-d2) - fwd_spot * norm_cdf(-d1)


def bs_delta(
    kind: OptionKind,
    spot: float,
    strike: float,
    t_years: float,
    rate: float,
    vol: float,
    dividend: float = 0.0,
) -> float:
    """Delta: change in option price per $1 of spot (call 0..1, put -1..0)."""
    _check_kind(kind)
    _check_inputs(spot, strike)
    if _degenerate(t_years, vol):
        itm = spot > strike if kind == "call" else spot < strike
        if not itm:
            return 0.0
        return 1.0 if kind == "call" else -1.0
    d1, _ = d1_d2(spot, strike, t_years, rate, vol, dividend)
    carry = math.exp(-dividend * t_years)
    return carry * norm_cdf(d1) if kind == "call" else carry * (norm_cdf(d1) - 1.0)


def prob_itm(
    kind: OptionKind,
    spot: float,
    strike: float,
    t_years: float,
    rate: float,
    vol: float,
    dividend: float = 0.0,
) -> float:
    """Risk-neutral probability of expiring in the money: N(d2) for a call, N(-d2) for a put."""
    _check_kind(kind)
    _check_inputs(spot, strike)
    if _degenerate(t_years, vol):
        itm = spot > strike if kind == "call" else spot < strike
        return 1.0 if itm else 0.0
    _, d2 = d1_d2(spot, strike, t_years, rate, vol, dividend)
    return norm_cdf(d2) if kind == "call" else norm_cdf(-d2)


@dataclass(frozen=True, slots=True)
class Greeks:
    """Price and sensitivities of one option, per share.

    theta is per calendar day, vega and rho per 1 percentage point (0.01) of vol or rate.
    """

    price: float
    delta: float
    gamma: float
    theta: float
    vega: float
    rho: float


def bs_greeks(
    kind: OptionKind,
    spot: float,
    strike: float,
    t_years: float,
    rate: float,
    vol: float,
    dividend: float = 0.0,
) -> Greeks:
    """Price, delta, gamma, theta (per day), vega and rho (per 1 %) in one pass."""
    _check_kind(kind)
    _check_inputs(spot, strike)
    if _degenerate(t_years, vol):
        price = _forward_intrinsic(kind, spot, strike, t_years, rate, dividend)
        delta = bs_delta(kind, spot, strike, t_years, rate, vol, dividend)
        return Greeks(price, delta, 0.0, 0.0, 0.0, 0.0)
    d1, d2 = d1_d2(spot, strike, t_years, rate, vol, dividend)
    sqrt_t = math.sqrt(t_years)
    carry = math.exp(-dividend * t_years)
    discount = math.exp(-rate * t_years)
    pdf_d1 = norm_pdf(d1)
    gamma = carry * pdf_d1 / (spot * vol * sqrt_t)
    vega = spot * carry * pdf_d1 * sqrt_t
    decay = -spot * carry * pdf_d1 * vol / (2.0 * sqrt_t)
    if kind == "call":
        price = spot * carry * norm_cdf(d1) - strike * discount * norm_cdf(d2)
        delta = carry * norm_cdf(d1)
        theta = decay - rate * strike * discount * norm_cdf(d2) + dividend * spot * carry * norm_cdf(d1)
        rho = strike * t_years * discount * norm_cdf(d2)
    else:
        price = strike * discount * norm_cdf(-d2) - spot * carry * norm_cdf(-d1)
        delta = carry * (norm_cdf(d1) - 1.0)
        theta = decay + rate * strike * discount * norm_cdf(-d2) - dividend * spot * carry * norm_cdf(-d1)
        rho = -strike * t_years * discount * norm_cdf(-d2)
    return Greeks(price, delta, gamma, theta / 365.0, vega / 100.0, rho / 100.0)


def implied_vol(
    kind: OptionKind,
    price: float,
    spot: float,
    strike: float,
    t_years: float,
    rate: float,
    dividend: float = 0.0,
    *,
    low: float = 1e-4,
    high: float = 5.0,
    tolerance: float = 1e-8,
    max_iterations: int = 100,
) -> float | None:
    """Volatility at which the model price equals `price`; None if no volatility in range fits."""
    _check_kind(kind)
    _check_inputs(spot, strike)
    if t_years <= 0 or price <= 0:
        return None
    # Outside the no-arbitrage bounds no volatility reproduces the price.
    if price < bs_price(kind, spot, strike, t_years, rate, low, dividend) - tolerance:
        return None
    if price > bs_price(kind, spot, strike, t_years, rate, high, dividend) + tolerance:
        return None
    lo, hi = low, high
    vol = min(max(math.sqrt(2.0 * math.pi / t_years) * price / spot, lo), hi)
    for _ in range(max_iterations):
        model = bs_price(kind, spot, strike, t_years, rate, vol, dividend)
        diff = model - price
        if abs(diff) < tolerance:
            return vol
        # The price rises with volatility, so the sign of diff narrows the bracket.
        if diff > 0:
            hi = vol
        else:
            lo = vol
        vega = bs_greeks(kind, spot, strike, t_years, rate, vol, dividend).vega * 100.0
        newton = vol - diff / vega if vega > 1e-12 else math.nan
        # Newton is fast near the answer; fall back to bisection when it leaves the bracket.
        vol = newton if lo < newton < hi else 0.5 * (lo + hi)
        if hi - lo < tolerance:
            return vol
    return vol
