"""What a recommendation reads: the listed options, the underlying and the wheel's terms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, Protocol

Side = Literal["put", "call"]


class ListedOption(Protocol):
    """What the recommendation reads of a listed option (marketdata's OptionContract fits)."""

    @property
    def symbol(self) -> str: ...
    @property
    def direction(self) -> str: ...
    @property
    def strike(self) -> float: ...
    @property
    def expiration(self) -> date: ...
    @property
    def bid(self) -> float | None: ...
    @property
    def ask(self) -> float | None: ...
    @property
    def delta(self) -> float | None: ...
    @property
    def iv(self) -> float | None: ...
    @property
    def open_interest(self) -> int | None: ...
    @property
    def volume(self) -> int | None: ...
    @property
    def mid(self) -> float | None: ...


@dataclass(frozen=True)
class Underlying:
    """What is known of the underlying: its price, daily closes (oldest first) and coming events."""

    symbol: str
    price: float
    closes: Sequence[float] = ()
    earnings: Sequence[date] = ()
    ex_dividends: Sequence[date] = ()
    # False when the earnings calendar could not be read (the warning would be silent otherwise).
    earnings_known: bool = True


@dataclass(frozen=True)
class WheelTerms:
    """What the recommendation reads of a wheel: the side to sell, capital, shares and cost basis."""

    direction: Side
    capital_cents: int | None = None
    shares: int = 0
    cost_basis: Decimal | None = None  # entry price per share, dollars
    adjusted_cost_basis: Decimal | None = None  # entry − net premium of the cycle / shares, dollars
