"""The offline provider: deterministic prices per symbol and New York day, chains priced by Black-Scholes.

Same symbol and day → same numbers, on any machine and in any process: every random draw is seeded
from a SHA-256/BLAKE2 digest of the symbol and the date, never from Python's salted `hash()`.
Prices follow a mean-reverting random walk over trading sessions (so a decade of simulated time
stays near the symbol's base price), hold still within a day and move from one session to the next.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from wheeld.clock import Clock
from wheeld.domain.blackscholes import bs_greeks
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

YIELD_EVERY = 16
SOURCE = "simulated"
TRADING_DAYS_PER_YEAR = 252
# Session 0 of every walk is the first session after this date.
WALK_EPOCH = date(2014, 12, 31)
# The walk is anchored every BLOCK sessions (an AR(1) on the anchors) and bridged in between,
# so any day's price costs O(BLOCK) work instead of replaying the walk from the epoch.
BLOCK = 64
MEAN_REVERSION_PER_YEAR = 1.0
WEEKLY_HORIZON_DAYS = 63
MONTHLY_HORIZON_DAYS = 185
MAX_STRIKES_PER_SIDE = 40
MIN_STRIKES_PER_SIDE = 6
# Option values are taken as of the day's 09:30 open so they hold all day: 6.5 h to the close.
SESSION_FRACTION_OF_DAY = 6.5 / 24.0

# symbol: (base price, annual volatility, dividend yield, reports earnings, average daily volume)
_KNOWN: dict[str, tuple[float, float, float, bool, int]] = {
    "AAPL": (230.0, 0.26, 0.0045, True, 55_000_000),
    "MSFT": (420.0, 0.24, 0.0075, True, 21_000_000),
    "NVDA": (130.0, 0.50, 0.0003, True, 250_000_000),
    "AMZN": (190.0, 0.32, 0.0, True, 40_000_000),
    "GOOGL": (170.0, 0.30, 0.005, True, 28_000_000),
    "META": (560.0, 0.38, 0.0035, True, 14_000_000),
    "TSLA": (250.0, 0.58, 0.0, True, 95_000_000),
    "AMD": (150.0, 0.48, 0.0, True, 45_000_000),
    "SPY": (560.0, 0.16, 0.013, False, 60_000_000),
    "QQQ": (480.0, 0.21, 0.006, False, 35_000_000),
    "IWM": (220.0, 0.23, 0.012, False, 30_000_000),
    "KO": (68.0, 0.16, 0.029, True, 13_000_000),
    "JPM": (220.0, 0.24, 0.021, True, 9_000_000),
    "XOM": (115.0, 0.26, 0.033, True, 16_000_000),
    "PFE": (27.0, 0.26, 0.062, True, 35_000_000),
    "T": (22.0, 0.22, 0.05, True, 30_000_000),
    "BAC": (42.0, 0.28, 0.024, True, 35_000_000),
    "INTC": (22.0, 0.48, 0.0, True, 60_000_000),
    "F": (11.0, 0.36, 0.055, True, 50_000_000),
    "PLTR": (40.0, 0.62, 0.0, True, 60_000_000),
    "SOFI": (10.0, 0.60, 0.0, True, 45_000_000),
    "DIS": (100.0, 0.28, 0.009, True, 9_000_000),
}


def _digest(*parts: object) -> bytes:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=32).digest()


def _seed(*parts: object) -> int:
    """A stable 64-bit seed from the parts (unlike hash(), the same in every process)."""
    return int.from_bytes(_digest(*parts)[:8], "big")


def _uniforms(*parts: object) -> tuple[float, float, float, float]:
    """Four stable uniforms in [0, 1) from the parts."""
    raw = _digest(*parts)
    return tuple(  # type: ignore[return-value]
        int.from_bytes(raw[i : i + 8], "big") / 2.0**64 for i in range(0, 32, 8)
    )


@dataclass(frozen=True, slots=True)
class SymbolProfile:
    """What the simulation assumes about one symbol."""

    symbol: str
    base_price: float
    volatility: float
    dividend_yield: float
    reports_earnings: bool
    average_volume: int


def symbol_profile(symbol: str) -> SymbolProfile:
    """The fixed simulation profile of `symbol` (well-known tickers get plausible figures)."""
    if symbol in _KNOWN:
        price, vol, yield_, earnings, volume = _KNOWN[symbol]
        return SymbolProfile(symbol, price, vol, yield_, earnings, volume)
    u_price, u_vol, u_div, u_volume = _uniforms("profile", symbol)
    u_yield = _uniforms("yield", symbol)[0]
    return SymbolProfile(
        symbol=symbol,
        base_price=round(20.0 * 20.0**u_price, 2),  # log-uniform 20..400 $
        volatility=round(0.20 + 0.40 * u_vol, 4),  # 20..60 %
        dividend_yield=round(0.005 + 0.035 * u_yield, 4) if u_div < 0.4 else 0.0,
        reports_earnings=True,
        average_volume=int(10 ** (5.5 + 2.0 * u_volume)),
    )


def strike_step(price: float) -> float:
    """Listed strike increment for an underlying at `price`."""
    if price < 25:
        return 0.5
    if price < 100:
        return 1.0
    if price < 250:
        return 2.5
    if price < 1000:
        return 5.0
    return 10.0


def occ_symbol(root: str, expiration: date, direction: Direction, strike: float) -> str:
    """OCC option symbol, as Schwab prints it: root padded to 6, YYMMDD, C/P, strike x 1000."""
    kind = "C" if direction == "call" else "P"
    return f"{root:<6}{expiration:%y%m%d}{kind}{round(strike * 1000):08d}"


def third_friday(year: int, month: int) -> date:
    """The third Friday of a month (standard monthly option expiration)."""
    first = date(year, month, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)


def _round_to_tick(value: float, tick: float, *, up: bool) -> float:
    steps = value / tick
    # The epsilon keeps exact multiples (1.05 / 0.05 = 20.999...) from moving a whole tick.
    whole = math.ceil(steps - 1e-9) if up else math.floor(steps + 1e-9)
    return round(whole * tick, 2)


@dataclass(frozen=True, slots=True)
class _Block:
    levels: tuple[float, ...]  # log deviation from the base price at each session of the block
    gaps: tuple[float, ...]
    highs: tuple[float, ...]
    lows: tuple[float, ...]
    volumes: tuple[float, ...]


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
        self._profiles: dict[str, SymbolProfile] = {}
        self._anchors: dict[str, list[float]] = {}
        self._blocks: OrderedDict[tuple[str, int], _Block] = OrderedDict()
        self._max_blocks = max_cached_blocks
        self._quote_fields: dict[tuple[str, date], tuple[float, float, float, int, float]] = {}

    @property
    def rate(self) -> float:
        """Risk-free rate used to price options (annual decimal)."""
        return self._rate

    def profile(self, symbol: str) -> SymbolProfile:
        """The simulation profile of `symbol` (base price, volatility, dividend yield)."""
        found = self._profiles.get(symbol)
        if found is None:
            found = self._profiles[symbol] = symbol_profile(symbol)
        return found

    # --- the walk -------------------------------------------------------------------------

    def _session_index(self, day: date) -> int:
        """Index of the last session on or before `day` (0 = first session after the epoch)."""
        return max(self._calendar.sessions_between(WALK_EPOCH, day) - 1, 0)

    def _anchor(self, symbol: str, block: int) -> float:
        anchors = self._anchors.setdefault(symbol, [0.0])
        if len(anchors) <= block:
            profile = self.profile(symbol)
            phi = math.exp(-MEAN_REVERSION_PER_YEAR * BLOCK / TRADING_DAYS_PER_YEAR)
            # Stationary spread of half the volatility keeps prices within ~0.5x..2x of base.
            shock = 0.5 * profile.volatility * math.sqrt(1.0 - phi * phi)
            rng = random.Random(_seed("anchors", symbol, len(anchors)))
            while len(anchors) <= block:
                anchors.append(phi * anchors[-1] + shock * rng.gauss(0.0, 1.0))
                rng = random.Random(_seed("anchors", symbol, len(anchors)))
        return anchors[block]

    def _block(self, symbol: str, block: int) -> _Block:
        key = (symbol, block)
        cached = self._blocks.get(key)
        if cached is not None:
            self._blocks.move_to_end(key)
            return cached
        daily_vol = self.profile(symbol).volatility / math.sqrt(TRADING_DAYS_PER_YEAR)
        start, end = self._anchor(symbol, block), self._anchor(symbol, block + 1)
        rng = random.Random(_seed("block", symbol, block))
        walk = [0.0]
        for _ in range(BLOCK):
            walk.append(walk[-1] + daily_vol * rng.gauss(0.0, 1.0))
        # A Brownian bridge from this anchor to the next one.
        levels = tuple(start + (end - start) * k / BLOCK + walk[k] - walk[BLOCK] * k / BLOCK for k in range(BLOCK))
        gaps = tuple(0.3 * daily_vol * rng.gauss(0.0, 1.0) for _ in range(BLOCK))
        highs = tuple(0.6 * daily_vol * abs(rng.gauss(0.0, 1.0)) for _ in range(BLOCK))
        lows = tuple(0.6 * daily_vol * abs(rng.gauss(0.0, 1.0)) for _ in range(BLOCK))
        volumes = tuple(math.exp(0.35 * rng.gauss(0.0, 1.0)) for _ in range(BLOCK))
        made = _Block(levels, gaps, highs, lows, volumes)
        self._blocks[key] = made
        if len(self._blocks) > self._max_blocks:
            self._blocks.popitem(last=False)
        return made

    def _close(self, symbol: str, index: int) -> float:
        block, offset = divmod(index, BLOCK)
        level = self._block(symbol, block).levels[offset]
        return round(self.profile(symbol).base_price * math.exp(level), 2)

    def _bar(self, symbol: str, day: date, index: int) -> PriceBar:
        block, offset = divmod(index, BLOCK)
        made = self._block(symbol, block)
        close = self._close(symbol, index)
        previous = self._close(symbol, index - 1) if index > 0 else close
        opened = round(previous * math.exp(made.gaps[offset]), 2)
        high = round(max(opened, close) * math.exp(made.highs[offset]), 2)
        low = round(min(opened, close) * math.exp(-made.lows[offset]), 2)
        volume = int(self.profile(symbol).average_volume * made.volumes[offset])
        return PriceBar(day=day, open=opened, high=high, low=low, close=close, volume=volume)

    def price_on(self, symbol: str, day: date) -> float:
        """Closing price of the last session on or before `day` (today's price on a session day)."""
        return self._close(symbol.upper(), self._session_index(day))

    def _as_of(self, today: date) -> datetime:
        # A quote is as recent as the last trade: now during a session, else the last close.
        now = self._clock.now()
        bounds = self._calendar.session_bounds(today)
        if bounds is not None and now >= bounds[0]:
            return min(now, bounds[1])
        last = self._calendar.session_bounds(self._calendar.previous_session(today))
        assert last is not None
        return last[1]

    # --- the provider interface -------------------------------------------------------------

    async def get_quotes(self, symbols: Sequence[str]) -> dict[str, Quote]:
        """Quotes for every symbol asked (the simulation knows them all)."""
        today = self._clock.today_ny()
        as_of = self._as_of(today)
        index = self._session_index(today)
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
                bar = self._bar(symbol, day, index)
                spread_cents = max(1, round(bar.close * 0.03))  # about 3 basis points
                bid = round(bar.close - (spread_cents // 2) / 100.0, 2)
                previous = self._close(symbol, index - 1) if index > 0 else bar.close
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
        fridays: set[date] = set()
        friday = today + timedelta(days=(4 - today.weekday()) % 7)
        while (friday - today).days <= WEEKLY_HORIZON_DAYS:
            fridays.add(friday)
            friday += timedelta(days=7)
        year, month = today.year, today.month
        while True:
            monthly = third_friday(year, month)
            if (monthly - today).days > MONTHLY_HORIZON_DAYS:
                break
            fridays.add(monthly)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        adjusted = {self._calendar.session_on_or_before(f) for f in fridays}
        return sorted(day for day in adjusted if day >= today)

    def _atm_iv(self, symbol: str, today: date, expiration: date) -> float:
        profile = self.profile(symbol)
        u_day = _uniforms("iv-day", symbol, today)[0]
        u_exp = _uniforms("iv-exp", symbol, today, expiration)[0]
        # Implied sits ~8 % over realized (the variance premium), moving a little day to day.
        return profile.volatility * 1.08 * (0.92 + 0.16 * u_day) * (0.98 + 0.04 * u_exp)

    def _strikes(self, spot: float, atm_iv: float, t_years: float) -> list[float]:
        step = strike_step(spot)
        center = round(spot / step) * step
        reach = 3.5 * atm_iv * math.sqrt(t_years) * spot
        per_side = min(MAX_STRIKES_PER_SIDE, max(MIN_STRIKES_PER_SIDE, math.ceil(reach / step)))
        strikes = [round(center + j * step, 2) for j in range(-per_side, per_side + 1)]
        return [k for k in strikes if k >= step]

    def _contract(
        self,
        symbol: str,
        today: date,
        spot: float,
        expiration: date,
        strike: float,
        direction: Direction,
        atm_iv: float,
        t_years: float,
    ) -> OptionContract:
        profile = self.profile(symbol)
        forward = spot * math.exp((self._rate - profile.dividend_yield) * t_years)
        moneyness = math.log(strike / forward) / (atm_iv * math.sqrt(t_years))
        moneyness = max(-4.0, min(4.0, moneyness))
        # Put skew (low strikes dearer) plus a smile; never below 30 % of at-the-money.
        iv = atm_iv * max(0.3, 1.0 - 0.12 * moneyness + 0.03 * moneyness * moneyness)
        greeks = bs_greeks(direction, spot, strike, t_years, self._rate, iv, profile.dividend_yield)
        model = greeks.price
        tick = 0.01 if model < 3.0 else 0.05
        # Wider away from the money and for cheap underlyings; far wings still quote a nickel.
        wing = 0.03 * min(abs(moneyness), 2.0)
        width = 0.02 + 0.015 * model + wing + (0.03 if spot < 20 else 0.0)
        bid = max(_round_to_tick(model - width / 2.0, tick, up=False), 0.0)
        ask = max(_round_to_tick(model + width / 2.0, tick, up=True), bid + tick)
        ask = round(ask, 2)
        u_oi, u_volume, u_last, _ = _uniforms("contract", symbol, today, expiration, strike, direction)
        liquidity = min(max(profile.average_volume / 1_000_000, 0.2), 60.0)
        monthly = expiration == self._calendar.session_on_or_before(third_friday(expiration.year, expiration.month))
        open_interest = int(
            2000.0
            * liquidity**0.7
            * math.exp(-0.3 * moneyness * moneyness)
            * (2.5 if monthly else 1.0)
            * (0.8 + 0.4 * u_oi)
        )
        dte = (expiration - today).days
        volume = int(open_interest * (0.05 + 0.25 * u_volume) * (2.0 if dte < 7 else 1.0))
        return OptionContract(
            symbol=occ_symbol(symbol, expiration, direction, strike),
            direction=direction,
            strike=strike,
            expiration=expiration,
            bid=bid,
            ask=ask,
            mark=round((bid + ask) / 2.0, 4),
            last=round(bid + (ask - bid) * u_last, 2),
            delta=greeks.delta,
            gamma=greeks.gamma,
            theta=greeks.theta,
            vega=greeks.vega,
            iv=iv,
            open_interest=open_interest,
            volume=volume,
        )

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
        spot = self._close(symbol, self._session_index(today))
        directions: tuple[Direction, ...] = (direction,) if direction else ("call", "put")
        contracts: list[OptionContract] = []
        for expiration in self.expirations(today):
            await asyncio.sleep(0)  # one expiration's worth of Black-Scholes at a time, then let requests in
            dte = (expiration - today).days
            if (min_dte is not None and dte < min_dte) or (max_dte is not None and dte > max_dte):
                continue
            t_years = (dte + SESSION_FRACTION_OF_DAY) / 365.0
            atm_iv = self._atm_iv(symbol, today, expiration)
            strikes = self._strikes(spot, atm_iv, t_years)
            if strike_count is not None:
                below = [k for k in strikes if k <= spot][-strike_count:] if strike_count else []
                above = [k for k in strikes if k > spot][:strike_count]
                strikes = below + above
            for strike in strikes:
                for kind in directions:
                    contracts.append(self._contract(symbol, today, spot, expiration, strike, kind, atm_iv, t_years))
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
        first = self._session_index(sessions[0])
        return [self._bar(symbol, day, first + i) for i, day in enumerate(sessions)]

    def _quarterly_dates(self, tag: str, symbol: str, start: date, end: date, month_spread: int) -> list[date]:
        month_offset = _seed(tag, "month", symbol) % month_spread
        found = []
        for year in range(start.year - 1, end.year + 1):
            for quarter in range(4):
                u_day, u_jitter, _, _ = _uniforms(tag, symbol, year, quarter)
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
                hour = "amc" if _uniforms("hour", symbol, day)[0] < 0.55 else "bmo"
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
