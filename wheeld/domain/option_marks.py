"""An open short option marked to market: the chain's bid/ask mid, the cost to close, the premium captured.

Pure arithmetic on exact values: the mark is a Decimal per share (a mid of two cent prices is at most
a half cent, so `cost_to_close` = mark × 100 × contracts is a whole number of cents).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from wheeld.domain.vocabulary import SHARES_PER_CONTRACT

# Why an open option has no mark (the API's `mark_unavailable_reason`).
NO_CHAIN = "no_chain"  # the provider gave no chain for the symbol (down, unknown symbol)
NOT_IN_CHAIN = "not_in_chain"  # the chain does not list this strike and expiration
NO_BID_ASK = "no_bid_ask"  # the contract is listed without both a bid and an ask
EXPIRED = "expired"  # the expiration has passed: nothing is listed any more
PENDING = "chain_pending"  # over this read's fetch budget: a following read fetches it


def mid_of(bid: float | None, ask: float | None) -> Decimal | None:
    """The bid/ask mid per share, exact (None unless both sides are quoted)."""
    if bid is None or ask is None:
        return None
    return (Decimal(str(bid)) + Decimal(str(ask))) / 2


@dataclass(frozen=True)
class OptionMark:
    """An open option's mark and what follows from it; every figure None when there is no mark."""

    mark: Decimal | None  # dollars per share
    cost_to_close_cents: int | None
    unrealized_option_pnl_cents: int | None
    premium_captured_pct: Decimal | None
    unavailable_reason: str | None = None


def mark_position(
    total_premium_cents: int, contracts: int, mark: Decimal | None, unavailable_reason: str | None = None
) -> OptionMark:
    """The cost to close, the unrealized option P&L and the premium captured of a short option at `mark`.

    cost_to_close = mark × 100 × contracts; unrealized = total premium − cost to close;
    captured % = (premium per share − mark) / premium per share × 100 (None for a zero premium).
    """
    if mark is None:
        return OptionMark(None, None, None, None, unavailable_reason or NOT_IN_CHAIN)
    cost = int((mark * 100 * SHARES_PER_CONTRACT * contracts).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    per_share = Decimal(total_premium_cents) / 100 / (SHARES_PER_CONTRACT * contracts)
    captured = (per_share - mark) / per_share * 100 if per_share > 0 else None
    return OptionMark(mark, cost, total_premium_cents - cost, captured)
