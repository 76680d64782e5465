"""Price statistics: HV30, rolling realized volatility, simple averages, IV rank, ATM IV, σ distance, P(ITM)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date

from wheeld.domain.blackscholes import prob_itm
from wheeld.domain.recommendation.inputs import ListedOption, Side

HV_WINDOW = 30
TRADING_DAYS_PER_YEAR = 252
# The at-the-money IV used for IV rank is read at the expiration nearest this many days.
ATM_IV_DTE = 30
# Fewer realized-volatility observations than this give no IV rank (a range needs some history).
MIN_IV_HISTORY = 20
# Providers give no history of implied volatility, so realized volatility stands in for its range.
IV_RANK_METHOD = "chain ATM IV (about 30 DTE) within the 52-week range of rolling 30-day realized volatility"


def log_returns(closes: Sequence[float]) -> list[float]:
    """Daily log returns of consecutive closes."""
    return [math.log(b / a) for a, b in itertools.pairwise(closes) if a > 0 and b > 0]


def _stdev(values: Sequence[float]) -> float:
    # Two passes in floats: statistics.stdev is exact (Fractions) and some 100 times slower, which a
    # year of rolling windows per symbol cannot afford.
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


def historical_volatility(closes: Sequence[float], window: int = HV_WINDOW) -> float | None:
    """Annualized volatility of the last `window` daily log returns (sample stdev × √252), or None."""
    if len(closes) < window + 1:
        return None
    returns = log_returns(closes[-(window + 1) :])
    if len(returns) < 2:
        return None
    return _stdev(returns) * math.sqrt(TRADING_DAYS_PER_YEAR)


def rolling_volatility(closes: Sequence[float], window: int = HV_WINDOW) -> list[float]:
    """HV over every `window`-return stretch of the closes, oldest first (the realized-vol history)."""
    returns = log_returns(closes)
    if len(returns) < window or window < 2:
        return []
    scale = math.sqrt(TRADING_DAYS_PER_YEAR)
    # Running sums slide the window in O(1) a day; a year of daily windows costs a few hundred steps.
    total = math.fsum(returns[:window])
    squares = math.fsum(r * r for r in returns[:window])
    found = []
    for end in range(window, len(returns) + 1):
        if end > window:
            leaving, entering = returns[end - window - 1], returns[end - 1]
            total += entering - leaving
            squares += entering * entering - leaving * leaving
        variance = (squares - total * total / window) / (window - 1)
        found.append(math.sqrt(max(variance, 0.0)) * scale)
    return found


def simple_average(closes: Sequence[float], days: int) -> float | None:
    """Mean of the last `days` closes, or None with fewer."""
    if len(closes) < days:
        return None
    return sum(closes[-days:]) / days


def iv_rank(current_iv: float | None, history: Sequence[float]) -> float | None:
    """Where `current_iv` sits in the range of `history`, 0–100 (clamped), or None when unknown."""
    if current_iv is None or len(history) < MIN_IV_HISTORY:
        return None
    low, high = min(history), max(history)
    if high <= low:
        return None
    return max(0.0, min(100.0, (current_iv - low) / (high - low) * 100.0))


def atm_iv(contracts: Sequence[ListedOption], price: float, today: date, target_dte: int = ATM_IV_DTE) -> float | None:
    """The IV of the strike nearest the price at the expiration nearest `target_dte` days (mean of both sides)."""
    priced = [c for c in contracts if c.iv is not None and c.iv > 0 and (c.expiration - today).days > 0]
    if not priced:
        return None
    expiration = min({c.expiration for c in priced}, key=lambda e: (abs((e - today).days - target_dte), e))
    at_expiry = [c for c in priced if c.expiration == expiration]
    strike = min({c.strike for c in at_expiry}, key=lambda k: (abs(k - price), k))
    ivs = [c.iv for c in at_expiry if c.strike == strike and c.iv is not None]
    return sum(ivs) / len(ivs)


def sigma_distance(price: float, strike: float, volatility: float | None, dte: int) -> float | None:
    """|ln(K/S)| in standard deviations of the move expected over DTE calendar days."""
    if volatility is None or volatility <= 0 or dte <= 0 or price <= 0 or strike <= 0:
        return None
    return abs(math.log(strike / price)) / (volatility * math.sqrt(dte / 365.0))


def probability_itm(
    direction: Side, price: float, strike: float, volatility: float | None, dte: int, rate: float
) -> float | None:
    """P(ITM) at expiry: N(d2) for a call, N(−d2) for a put (no dividend yield)."""
    if volatility is None or volatility <= 0 or price <= 0 or strike <= 0:
        return None
    return prob_itm(direction, price, strike, max(dte, 0) / 365.0, rate, volatility)
