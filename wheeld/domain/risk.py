"""Moneyness and risk of a short option, as decided in DESIGN.md.

Moneyness is the OTM cushion: put (price − strike) / strike × 100, call (strike − price) / strike × 100;
negative means in the money. Risk is HIGH when ITM, MEDIUM under the threshold (default 5 %), else LOW.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from wheeld.domain.vocabulary import Direction


class RiskLevel(StrEnum):
    """How close a short option is to being assigned."""

    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


RISK_ICONS = {RiskLevel.LOW: "🟢", RiskLevel.MEDIUM: "🟡", RiskLevel.HIGH: "🔴"}
RISK_ORDER = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}
DEFAULT_MEDIUM_THRESHOLD_PCT = 5.0
DEFAULT_APPROACHING_DTE = 3


@dataclass(frozen=True)
class Moneyness:
    """The OTM cushion in percent (negative = ITM), the ITM flag and the dollar distance to the strike.

    `pct` is rounded to two decimals for display; `exact_pct` is what every threshold is decided on.
    """

    pct: float
    is_itm: bool
    distance: Decimal
    exact_pct: Decimal


def moneyness(direction: Direction, strike_cents: int, price_cents: int) -> Moneyness:
    """The signed OTM cushion of a short option at `price`: exact, and rounded to 2 decimals for display."""
    if strike_cents <= 0:
        raise ValueError("strike must be positive")
    cushion_cents = price_cents - strike_cents if direction is Direction.PUT else strike_cents - price_cents
    exact = Decimal(cushion_cents) * 100 / strike_cents
    pct = exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Moneyness(pct=float(pct), is_itm=cushion_cents < 0, distance=Decimal(cushion_cents) / 100, exact_pct=exact)


def risk_level(money: Moneyness, medium_threshold_pct: float = DEFAULT_MEDIUM_THRESHOLD_PCT) -> RiskLevel:
    """HIGH when ITM, MEDIUM when the exact cushion is below the threshold, else LOW.

    Decided on the exact cushion: 4.996 % is MEDIUM under a 5 % threshold although it displays as 5.00.
    """
    if money.is_itm:
        return RiskLevel.HIGH
    if money.exact_pct < Decimal(str(medium_threshold_pct)):
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


def is_approaching_expiration(dte_calendar: int, approaching_dte: int = DEFAULT_APPROACHING_DTE) -> bool:
    """Fewer calendar days to expiration than the threshold (default: under 3)."""
    return dte_calendar < approaching_dte


def breakeven_cents(direction: Direction, strike_cents: int, net_premium_per_share_cents: Decimal) -> Decimal:
    """Price at expiry where the short option breaks even: put strike − premium, call strike + premium."""
    if direction is Direction.PUT:
        return Decimal(strike_cents) - net_premium_per_share_cents
    return Decimal(strike_cents) + net_premium_per_share_cents
