"""The offline provider: deterministic prices per symbol and New York day, chains priced by Black-Scholes.

Same symbol and day → same numbers, on any machine and in any process: every random draw is seeded
from a SHA-256/BLAKE2 digest of the symbol and the date, never from Python's salted `hash()`.
Prices follow a mean-reverting random walk over trading sessions (so a decade of simulated time
stays near the symbol's base price), hold still within a day and move from one session to the next.

The pieces: `simulated_symbols` (profiles and stable draws), `simulated_walk` (the price walk) and
`simulated_options` (listings and Black-Scholes prices); this module is the provider over them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from wheeld.clock import Clock
from wheeld.market_calendar import TradingCalendar
from wheeld.marketdata.base import MarketDataProvider
from wheeld.marketdata.models import (
    Direction,
    DividendEvent,
    EarningsEvent,
    OptionChain,
    OptionContract,
    PriceBar,
    Quote,
)
from wheeld.marketdata.simulated_options import (
    SESSION_FRACTION_OF_DAY,
    atm_implied_volatility,
    listed_expirations,
    listed_strikes,
    occ_symbol,
    price_contract,
    strike_step,
    third_friday,
)
from wheeld.marketdata.simulated_symbols import SymbolProfile, stable_seed, stable_uniforms, symbol_profile
from wheeld.marketdata.simulated_walk import PriceWalk

# The names this module has always offered, wherever they are defined now.
__all__ = [
    "SESSION_FRACTION_OF_DAY",
    "SOURCE",
    "SimulatedProvider",
    "SymbolProfile",
    "occ_symbol",
    "strike_step",
    "symbol_profile",
    "third_friday",
]

YIELD_EVERY = 16
SOURCE = "simulated"


class SimulatedProvider(MarketDataProvider):
    """Deterministic, offline market data: the default provider, needing no keys and no network."""

    name = "simulated"
    simulated = True

    def __init__(
        self,
        clock: Clock,
        calendar: TradingCalendar | None = None,
        rate: float = 0.04,
        *,
        max_cached_blocks: int = 4096,
    ) -> None:
        self._clock = clock
        self._calendar = calendar or TradingCalendar.weekdays_only()
        self._rate = rate
        self._walk = PriceWalk(self._calendar, max_cached_blocks)
        self._max_blocks = max_cached_blocks
        self._quote_fields: dict[tuple[str, date], tuple[float, float, float, int, float]] = {}

    @property
    def rate(self) -> float:
        """Risk-free rate used to price options (annual decimal)."""
        return self._rate

    def profile(self, symbol: str) -> SymbolProfile:
        """The simulation profile of `symbol` (base price, volatility, dividend yield)."""
        return self._walk.profile(symbol)

    def price_on(self, symbol: str, day: date) -> float:
        """Closing price of the last session on or before `day` (today's price on a session day)."""
        return self._walk.close(symbol.upper(), self._walk.session_index(day))

    def _as_of(self, today: date) -> datetime:
        # A quote is as recent as the last trade: now during a session, else the last close.
        now = self._clock.now()
        bounds = self._calendar.session_bounds(today)
        if bounds is not None and now >= bounds[0]:
            return min(now, bounds[1])
        last = self._calendar.session_bounds(self._calendar.previous_session(today))
        assert last is not None
        return last[1]

    async def get_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Quotes for every symbol asked (the simulation knows them all)."""
        today = self._clock.today_ny()
        as_of = self._as_of(today)
        index = self._walk.session_index(today)
        day = self._calendar.session_on_or_before(today)
        result: dict[str, Quote] = {}
        for count, raw in enumerate(symbols, start=1):
            if count % YIELD_EVERY == 0:
                # Pricing is CPU work on the event loop: give requests a turn about every millisecond.
                await asyncio.sleep(0)
            symbol = raw.upper()
            key = (symbol, day)
            fields = self._quote_fields.get(key)
            if fields is None:
                # Prices are fixed for the day, so a refresh asks the walk once per symbol and day.
                bar = self._walk.bar(symbol, day, index)
                spread_cents = max(1, round(bar.close * 0.03))  # about 3 basis points
                bid = round(bar.close - (spread_cents // 2) / 100.0, 2)
                previous = self._walk.close(symbol, index - 1) if index > 0 else bar.close
                fields = (bar.close, bid, round(bid + spread_cents / 100.0, 2), bar.volume, previous)
                self._quote_fields[key] = fields
                if len(self._quote_fields) > self._max_blocks:
                    self._quote_fields.pop(next(iter(self._quote_fields)))
            price, bid, ask, volume, previous = fields
            result[symbol] = Quote(
                symbol=symbol,
                price=price,
                bid=bid,
                ask=ask,
                volume=volume,
                as_of=as_of,
                source=SOURCE,
                previous_close=previous,
            )
        return result

    def expirations(self, today: date) -> list[date]:
        """Listed expirations from `today`: weekly Fridays ~9 weeks out, monthlies ~6 months out.

        An expiration Friday that is an exchange holiday moves to the session before it.
        """
        return listed_expirations(self._calendar, today)

    async def get_option_chain(
        self,
        symbol: str,
        direction: Direction | None = None,
        min_dte: int | None = None,
        max_dte: int | None = None,
        strike_count: int | None = None,
    ) -> OptionChain:
        """Calls and puts priced by Black-Scholes-Merton on today's simulated price."""
        symbol = symbol.upper()
        today = self._clock.today_ny()
        spot = self._walk.close(symbol, self._walk.session_index(today))
        directions: tuple[Direction, ...] = (direction,) if direction else ("call", "put")
        profile = self.profile(symbol)
        contracts: list[OptionContract] = []
        for expiration in self.expirations(today):
            await asyncio.sleep(0)  # one expiration's worth of Black-Scholes at a time, then let requests in
            dte = (expiration - today).days
            if (min_dte is not None and dte < min_dte) or (max_dte is not None and dte > max_dte):
                continue
            t_years = (dte + SESSION_FRACTION_OF_DAY) / 365.0
            atm_iv = atm_implied_volatility(self.profile(symbol), today, expiration)
            strikes = listed_strikes(spot, atm_iv, t_years)
            if strike_count is not None:
                below = [k for k in strikes if k <= spot][-strike_count:] if strike_count else []
                above = [k for k in strikes if k > spot][:strike_count]
                strikes = below + above
            for strike in strikes:
                for kind in directions:
                    contracts.append(
                        price_contract(
                            self._calendar, profile, self._rate, today, spot, expiration, strike, kind, atm_iv, t_years
                        )
                    )
        return OptionChain(
            symbol=symbol,
            underlying_price=spot,
            as_of=self._as_of(today),
            source=SOURCE,
            contracts=tuple(contracts),
        )

    async def get_price_history(self, symbol: str, days: int = 365) -> list[PriceBar]:
        """Daily bars over the last `days` calendar days; the last close is today's quote."""
        symbol = symbol.upper()
        today = self._clock.today_ny()
        sessions = self._calendar.sessions_in(today - timedelta(days=days - 1), today)
        if not sessions:
            return []
        first = self._walk.session_index(sessions[0])
        return [self._walk.bar(symbol, day, first + i) for i, day in enumerate(sessions)]

    def _quarterly_dates(self, tag: str, symbol: str, start: date, end: date, month_spread: int) -> list[date]:
        month_offset = stable_seed(tag, "month", symbol) % month_spread
        found = []
        for year in range(start.year - 1, end.year + 1):
            for quarter in range(4):
                u_day, u_jitter, _, _ = stable_uniforms(tag, symbol, year, quarter)
                month = 1 + quarter * 3 + month_offset
                day = date(year, month, 1) + timedelta(days=int(8 + 15 * u_day + 3 * u_jitter))
                if not self._calendar.is_session(day):
                    day = self._calendar.next_session(day)
                if start <= day <= end:
                    found.append(day)
        return sorted(found)

    async def get_earnings(self, symbols: Sequence[str], start: date, end: date) -> list[EarningsEvent]:
        """Quarterly synthetic earnings dates (none for index ETFs), by date."""
        events = []
        for raw in symbols:
            symbol = raw.upper()
            if not self.profile(symbol).reports_earnings:
                continue
            for day in self._quarterly_dates("earnings", symbol, start, end, 2):
                hour = "amc" if stable_uniforms("hour", symbol, day)[0] < 0.55 else "bmo"
                events.append(EarningsEvent(symbol=symbol, day=day, hour=hour, source=SOURCE))
        return sorted(events, key=lambda e: (e.day, e.symbol))

    async def get_dividends(self, symbols: Sequence[str], start: date, end: date) -> list[DividendEvent]:
        """Quarterly synthetic ex-dividend dates for the symbols that pay one, by date."""
        events = []
        for raw in symbols:
            symbol = raw.upper()
            profile = self.profile(symbol)
            if profile.dividend_yield <= 0:
                continue
            amount = round(profile.base_price * profile.dividend_yield / 4.0, 2)
            for day in self._quarterly_dates("dividend", symbol, start, end, 3):
                events.append(DividendEvent(symbol=symbol, ex_date=day, amount=amount, source=SOURCE))
        return sorted(events, key=lambda e: (e.ex_date, e.symbol))

    def health(self) -> dict[str, Any]:
        """Always ok: the simulation needs nothing external."""
        return {"status": "ok", "detail": "simulated data: deterministic and offline"}
