"""The trend (price against its 20- and 50-day averages) and how it biases the delta target."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wheeld.domain.recommendation.inputs import Side

Trend = Literal["bullish", "bearish", "neutral"]

SMA_SHORT, SMA_LONG = 20, 50


def trend_of(price: float, sma_short: float | None, sma_long: float | None) -> Trend:
    """Bullish above both averages, bearish below both, neutral otherwise or when one is unknown."""
    if sma_short is None or sma_long is None:
        return "neutral"
    if price > sma_short and price > sma_long:
        return "bullish"
    if price < sma_short and price < sma_long:
        return "bearish"
    return "neutral"


@dataclass(frozen=True)
class Bias:
    """How the trend moved the delta target, and why."""

    trend: Trend
    base_target: float
    target: float
    shift: float
    strike_moved: Literal["closer", "further", "none"]
    reason: str


def apply_bias(
    direction: Side,
    trend: Trend,
    base_target: float,
    shift: float,
    price: float,
    sma_short: float | None,
    sma_long: float | None,
) -> Bias:
    """The biased |delta| target: bullish puts and bearish calls closer to the money, the others further."""
    if trend == "neutral" or shift == 0:
        where = (
            "history is too short for its 20- and 50-day averages"
            if sma_short is None or sma_long is None
            else f"price {price:.2f} is between its 20-day ({sma_short:.2f}) and 50-day ({sma_long:.2f}) averages"
        )
        reason = f"{where}: no trend, no bias; target delta {base_target:.3f}"
        return Bias(trend, base_target, base_target, 0.0, "none", reason)
    closer = (trend == "bullish") == (direction == "put")
    signed = shift if closer else -shift
    target = min(0.5, max(0.05, base_target + signed))
    side = "above" if trend == "bullish" else "below"
    why = {
        ("put", True): "more premium, while a fall that would assign the put is less likely",
        ("put", False): "more room for the fall before the put is assigned",
        ("call", True): "more premium while the price moves away from the strike",
        ("call", False): "room for the rise, so the shares are less likely to be called away",
    }[(direction, closer)]
    reason = (
        f"{trend}: price {price:.2f} is {side} its 20-day ({sma_short:.2f}) and 50-day ({sma_long:.2f}) averages, "
        f"so the {direction} moves {'closer to' if closer else 'further from'} the money "
        f"(target delta {base_target:.3f} → {target:.3f}): {why}"
    )
    return Bias(trend, base_target, target, target - base_target, "closer" if closer else "further", reason)
