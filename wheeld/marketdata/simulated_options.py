"""Simulated option listings and prices: expirations, strikes, and contracts priced by Black-Scholes-Merton."""

from __future__ import annotations

import math
from datetime import date, timedelta

from wheeld.domain.blackscholes import bs_greeks
from wheeld.market_calendar import TradingCalendar
from wheeld.marketdata.models import Direction, OptionContract
from wheeld.marketdata.simulated_symbols import SymbolProfile, stable_uniforms

WEEKLY_HORIZON_DAYS = 63
MONTHLY_HORIZON_DAYS = 185
MAX_STRIKES_PER_SIDE = 40
MIN_STRIKES_PER_SIDE = 6
# Option values are taken as of the day's 09:30 open so they hold all day: 6.5 h to the close.
SESSION_FRACTION_OF_DAY = 6.5 / 24.0


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


def listed_expirations(calendar: TradingCalendar, today: date) -> list[date]:
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
    adjusted = {calendar.session_on_or_before(f) for f in fridays}
    return sorted(day for day in adjusted if day >= today)


def atm_implied_volatility(profile: SymbolProfile, today: date, expiration: date) -> float:
    """The at-the-money IV of one expiration on `today`: realized plus the variance premium, stable per day."""
    symbol = profile.symbol
    u_day = stable_uniforms("iv-day", symbol, today)[0]
    u_exp = stable_uniforms("iv-exp", symbol, today, expiration)[0]
    # Implied sits ~8 % over realized (the variance premium), moving a little day to day.
    return profile.volatility * 1.08 * (0.92 + 0.16 * u_day) * (0.98 + 0.04 * u_exp)


def listed_strikes(spot: float, atm_iv: float, t_years: float) -> list[float]:
    """The listed strikes around `spot`: about ±3.5 σ of the move to expiration, on the strike grid."""
    step = strike_step(spot)
    center = round(spot / step) * step
    reach = 3.5 * atm_iv * math.sqrt(t_years) * spot
    per_side = min(MAX_STRIKES_PER_SIDE, max(MIN_STRIKES_PER_SIDE, math.ceil(reach / step)))
    strikes = [round(center + j * step, 2) for j in range(-per_side, per_side + 1)]
    return [k for k in strikes if k >= step]


def price_contract(
    calendar: TradingCalendar,
    profile: SymbolProfile,
    rate: float,
    today: date,
    spot: float,
    expiration: date,
    strike: float,
    direction: Direction,
    atm_iv: float,
    t_years: float,
) -> OptionContract:
    """One contract priced by Black-Scholes-Merton with skew, a tick-rounded spread, open interest and volume."""
    symbol = profile.symbol
    forward = spot * math.exp((rate - profile.dividend_yield) * t_years)
    moneyness = math.log(strike / forward) / (atm_iv * math.sqrt(t_years))
    moneyness = max(-4.0, min(4.0, moneyness))
    # Put skew (low strikes dearer) plus a smile; never below 30 % of at-the-money.
    iv = atm_iv * max(0.3, 1.0 - 0.12 * moneyness + 0.03 * moneyness * moneyness)
    greeks = bs_greeks(direction, spot, strike, t_years, rate, iv, profile.dividend_yield)
    model = greeks.price
    tick = 0.01 if model < 3.0 else 0.05
    # Wider away from the money and for cheap underlyings; far wings still quote a nickel.
    wing = 0.03 * min(abs(moneyness), 2.0)
    width = 0.02 + 0.015 * model + wing + (0.03 if spot < 20 else 0.0)
    bid = max(_round_to_tick(model - width / 2.0, tick, up=False), 0.0)
    ask = max(_round_to_tick(model + width / 2.0, tick, up=True), bid + tick)
    ask = round(ask, 2)
    u_oi, u_volume, u_last, _ = stable_uniforms("contract", symbol, today, expiration, strike, direction)
    liquidity = min(max(profile.average_volume / 1_000_000, 0.2), 60.0)
    monthly = expiration == calendar.session_on_or_before(third_friday(expiration.year, expiration.month))
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
