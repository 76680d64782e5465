"""A market-data provider whose quotes the test sets by hand (prices and their time stamps).

Chains and history come from the simulation; quotes come only from `prices`: a symbol without an
entry is one the provider has no quote for. `calls` records each batch asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from wheeld.clock import Clock
from wheeld.market_calendar import TradingCalendar
from wheeld.marketdata.models import Quote
from wheeld.marketdata.service import MarketData
from wheeld.marketdata.simulated import SimulatedProvider


class FixedQuotes(SimulatedProvider):
    """Quotes at prices (and times) the test chose; `as_of` defaults to the clock's now."""

    name = "fixed"

    def __init__(self, clock: Clock, calendar: TradingCalendar, prices: dict[str, float]) -> None:
        super().__init__(clock, calendar)
        self.prices = dict(prices)
        self.as_of: dict[str, datetime] = {}
        self.calls: list[list[str]] = []

    async def get_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """The chosen quotes of `symbols`; unknown ones are left out."""
        self.calls.append(sorted(symbols))
        now = self._clock.now()
        return {
            s: Quote(s, self.prices[s], None, None, None, self.as_of.get(s, now), self.name)
            for s in symbols
            if s in self.prices
        }


def fixed_market(clock: Clock, calendar: TradingCalendar, prices: dict[str, float]) -> tuple[MarketData, FixedQuotes]:
    """A MarketData service over FixedQuotes (and the provider, to change prices or read calls)."""
    provider = FixedQuotes(clock, calendar, prices)
    return MarketData(provider, clock, calendar=calendar), provider
