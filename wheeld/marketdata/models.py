"""Market-data values every provider returns: quotes, option chains, daily bars and corporate events.

Prices are floats exactly as the provider gave them (market data, not money we account for);
`iv` is a decimal (0.25 = 25 %), `theta` is per calendar day and `vega` per 1 % of volatility,
both per share, as brokers show them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal

Direction = Literal["put", "call"]
DIRECTIONS: tuple[Direction, ...] = ("put", "call")


@dataclass(frozen=True, slots=True)
class Quote:
    """The latest price of one symbol, with where and when it came from."""

    symbol: str
    price: float
    bid: float | None
    ask: float | None
    volume: int | None
    as_of: datetime
    source: str
    stale: bool = False
    age_seconds: float = 0.0
    previous_close: float | None = None

    def aged(self, age_seconds: float, *, stale: bool) -> Quote:
        """This quote as served from a cache entry `age_seconds` old."""
        # Built directly: dataclasses.replace costs several times more on this hot path.
        return Quote(
            self.symbol,
            self.price,
            self.bid,
            self.ask,
            self.volume,
            self.as_of,
            self.source,
            stale,
            age_seconds,
            self.previous_close,
        )


@dataclass(frozen=True, slots=True)
class OptionContract:
    """One listed option with its market and model figures (per share)."""

    symbol: str
    direction: Direction
    strike: float
    expiration: date
    bid: float | None
    ask: float | None
    mark: float | None
    last: float | None
    delta: float | None
    gamma: float | None
    theta: float | None
    vega: float | None
    iv: float | None
    open_interest: int | None
    volume: int | None

    @property
    def mid(self) -> float | None:
        """Midpoint of bid and ask, or the mark when either side is missing."""
        if self.bid is not None and self.ask is not None:
            return (self.bid + self.ask) / 2.0
        return self.mark

    @property
    def spread(self) -> float | None:
        """Ask minus bid, when both are known."""
        if self.bid is None or self.ask is None:
            return None
        return self.ask - self.bid


@dataclass(frozen=True, slots=True)
class OptionChain:
    """The listed options of one underlying at one moment."""

    symbol: str
    underlying_price: float
    as_of: datetime
    source: str
    contracts: tuple[OptionContract, ...] = field(default_factory=tuple)
    stale: bool = False
    age_seconds: float = 0.0

    def expirations(self) -> list[date]:
        """Distinct expiration dates, earliest first."""
        return sorted({contract.expiration for contract in self.contracts})

    def strikes(self, expiration: date | None = None) -> list[float]:
        """Distinct strikes (of one expiration if given), lowest first."""
        return sorted({c.strike for c in self.contracts if expiration is None or c.expiration == expiration})

    def select(
        self,
        *,
        today: date | None = None,
        direction: Direction | None = None,
        min_dte: int | None = None,
        max_dte: int | None = None,
        expiration: date | None = None,
    ) -> list[OptionContract]:
        """Contracts matching a direction, an expiration and a calendar-DTE window from `today`."""
        if (min_dte is not None or max_dte is not None) and today is None:
            raise ValueError("a DTE window needs today's date")
        result = []
        for contract in self.contracts:
            if direction is not None and contract.direction != direction:
                continue
            if expiration is not None and contract.expiration != expiration:
                continue
            if today is not None:
                dte = (contract.expiration - today).days
                if min_dte is not None and dte < min_dte:
                    continue
                if max_dte is not None and dte > max_dte:
                    continue
            result.append(contract)
        return result

    def filtered(
        self,
        *,
        today: date | None = None,
        direction: Direction | None = None,
        min_dte: int | None = None,
        max_dte: int | None = None,
    ) -> OptionChain:
        """A copy of this chain holding only the contracts that `select` returns."""
        chosen = self.select(today=today, direction=direction, min_dte=min_dte, max_dte=max_dte)
        return replace(self, contracts=tuple(chosen))

    def with_contracts(self, contracts: Iterable[OptionContract]) -> OptionChain:
        """A copy of this chain with other contracts."""
        return replace(self, contracts=tuple(contracts))

    def aged(self, age_seconds: float, *, stale: bool) -> OptionChain:
        """This chain as served from a cache entry `age_seconds` old."""
        return replace(self, age_seconds=age_seconds, stale=stale)


@dataclass(frozen=True, slots=True)
class PriceBar:
    """One daily bar (New York session date)."""

    day: date
    open: float
    high: float
    low: float
    close: float
    volume: int


@dataclass(frozen=True, slots=True)
class EarningsEvent:
    """A scheduled earnings report; `hour` is 'bmo', 'amc', 'dmh' or None when unknown."""

    symbol: str
    day: date
    hour: str | None
    source: str


@dataclass(frozen=True, slots=True)
class DividendEvent:
    """A cash dividend by ex-dividend date, amount per share."""

    symbol: str
    ex_date: date
    amount: float
    source: str
