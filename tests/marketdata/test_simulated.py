"""The simulated provider: deterministic per symbol and day, and sane enough for a trader to read."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from wheeld.clock import NEW_YORK, FrozenClock
from wheeld.marketdata.simulated import (
    SESSION_FRACTION_OF_DAY,
    SimulatedProvider,
    occ_symbol,
    strike_step,
    third_friday,
)

SYMBOLS = ["AAPL", "SPY", "KO", "F", "TSLA", "XYZ", "BRK.B"]


def ny(year, month, day, hour=11, minute=0) -> FrozenClock:
    return FrozenClock(datetime(year, month, day, hour, minute, tzinfo=NEW_YORK))


@pytest.fixture
def provider(clock, xnys) -> SimulatedProvider:
    return SimulatedProvider(clock, xnys)


async def test_same_day_same_numbers_in_any_instance(clock, xnys):
    first = SimulatedProvider(clock, xnys)
    second = SimulatedProvider(ny(2026, 11, 23, 15, 59), xnys)
    assert await first.get_quotes(SYMBOLS) == await first.get_quotes(SYMBOLS)
    a, b = await first.get_quotes(SYMBOLS), await second.get_quotes(SYMBOLS)
    assert {s: q.price for s, q in a.items()} == {s: q.price for s, q in b.items()}
    assert {s: (q.bid, q.ask, q.volume) for s, q in a.items()} == {s: (q.bid, q.ask, q.volume) for s, q in b.items()}
    assert (await first.get_option_chain("AAPL")).contracts == (await second.get_option_chain("AAPL")).contracts
    assert await first.get_price_history("AAPL") == await second.get_price_history("AAPL")


async def test_next_session_moves_and_the_weekend_holds_fridays_close(xnys):
    monday = await SimulatedProvider(ny(2026, 11, 23), xnys).get_quotes(SYMBOLS)
    tuesday = await SimulatedProvider(ny(2026, 11, 24), xnys).get_quotes(SYMBOLS)
    assert all(monday[s].price != tuesday[s].price for s in SYMBOLS)
    friday = await SimulatedProvider(ny(2026, 11, 20, 15), xnys).get_quotes(SYMBOLS)
    saturday = await SimulatedProvider(ny(2026, 11, 21), xnys).get_quotes(SYMBOLS)
    assert {s: q.price for s, q in friday.items()} == {s: q.price for s, q in saturday.items()}
    # On Saturday the last trade was Friday's close (an early close would be respected too).
    assert saturday["AAPL"].as_of == datetime(2026, 11, 20, 16, tzinfo=NEW_YORK)
    assert monday["AAPL"].previous_close == friday["AAPL"].price


def test_numbers_do_not_depend_on_the_process_hash_seed():
    # Python salts hash() per process; the simulation must not. Pin a value in a fresh process.
    script = (
        "import asyncio, datetime as d;"
        "from wheeld.clock import FrozenClock;"
        "from wheeld.marketdata.simulated import SimulatedProvider;"
        "c = FrozenClock(d.datetime(2026, 11, 23, 16, tzinfo=d.timezone.utc));"
        "q = asyncio.run(SimulatedProvider(c).get_quotes(['AAPL', 'XYZ']));"
        "print(q['AAPL'].price, q['XYZ'].price)"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1


async def test_quotes_are_simulated_and_sane(provider):
    quotes = await provider.get_quotes(["aapl", "xyz", "AAPL"])
    assert list(quotes) == ["AAPL", "XYZ"]
    for quote in quotes.values():
        assert quote.source == "simulated"
        assert quote.bid <= quote.price <= quote.ask
        assert quote.ask - quote.bid >= 0.01
        assert quote.volume > 0
        assert quote.as_of == datetime(2026, 11, 23, 16, tzinfo=UTC)
    assert 20 <= provider.profile("XYZ").base_price <= 400
    assert 0.20 <= provider.profile("XYZ").volatility <= 0.60


async def test_history_is_a_year_of_sessions_ending_with_todays_quote(provider):
    bars = await provider.get_price_history("AAPL")
    quote = (await provider.get_quotes(["AAPL"]))["AAPL"]
    assert 248 <= len(bars) <= 253
    assert bars[-1].day == date(2026, 11, 23)
    assert bars[-1].close == quote.price
    assert date(2026, 7, 3) not in {b.day for b in bars}  # observed holiday
    for bar in bars:
        assert bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high
        assert bar.volume > 0
    # Realized volatility of the walk is close to the symbol's volatility.
    returns = [math.log(b.close / a.close) for a, b in itertools.pairwise(bars)]
    mean = sum(returns) / len(returns)
    realized = math.sqrt(sum((r - mean) ** 2 for r in returns) / len(returns) * 252)
    assert realized == pytest.approx(provider.profile("AAPL").volatility, rel=0.35)


async def test_history_is_consistent_from_one_day_to_the_next(xnys):
    monday = await SimulatedProvider(ny(2026, 11, 23), xnys).get_price_history("KO", 30)
    tuesday = await SimulatedProvider(ny(2026, 11, 24), xnys).get_price_history("KO", 30)
    assert tuesday[-1].day == date(2026, 11, 24)
    assert {b.day: b for b in tuesday}[date(2026, 11, 23)] == monday[-1]


async def test_expirations_weekly_monthly_and_holiday_moved(provider):
    expirations = provider.expirations(date(2026, 11, 23))
    assert expirations[0] == date(2026, 11, 27)  # the half-day Friday still expires
    assert date(2026, 12, 24) in expirations  # Christmas Friday moves to Thursday
    assert date(2026, 12, 25) not in expirations
    assert {third_friday(2027, m) for m in (1, 2, 3, 4, 5)} <= set(expirations)
    weeklies = [e for e in expirations if (e - date(2026, 11, 23)).days <= 63]
    assert len(weeklies) == 9
    assert max(expirations) - date(2026, 11, 23) <= timedelta(days=185)
    assert all(e.weekday() in (3, 4) for e in expirations)


async def test_good_friday_expiration_moves_to_thursday(xnys):
    provider = SimulatedProvider(ny(2026, 3, 2), xnys)
    expirations = provider.expirations(date(2026, 3, 2))
    assert date(2026, 4, 2) in expirations and date(2026, 4, 3) not in expirations


async def test_without_a_calendar_the_weekday_rule_applies(clock):
    expirations = SimulatedProvider(clock).expirations(date(2026, 11, 23))
    assert date(2026, 12, 25) in expirations


def contracts_by_expiration(chain, direction):
    grouped = defaultdict(list)
    for contract in chain.select(direction=direction):
        grouped[contract.expiration].append(contract)
    return {e: sorted(cs, key=lambda c: c.strike) for e, cs in grouped.items()}


@pytest.mark.parametrize("symbol", ["AAPL", "SPY", "KO", "F", "TSLA", "XYZ"])
async def test_chain_put_call_parity_holds_within_the_spreads(provider, symbol):
    chain = await provider.get_option_chain(symbol)
    spot, rate = chain.underlying_price, provider.rate
    dividend = provider.profile(symbol).dividend_yield
    calls = {(c.expiration, c.strike): c for c in chain.select(direction="call")}
    puts = {(c.expiration, c.strike): c for c in chain.select(direction="put")}
    assert calls.keys() == puts.keys()
    for (expiration, strike), call in calls.items():
        put = puts[(expiration, strike)]
        t = ((expiration - date(2026, 11, 23)).days + SESSION_FRACTION_OF_DAY) / 365
        parity = spot * math.exp(-dividend * t) - strike * math.exp(-rate * t)
        assert call.bid - put.ask <= parity <= call.ask - put.bid, (expiration, strike)


@pytest.mark.parametrize("symbol", ["AAPL", "SPY", "KO", "F", "TSLA", "XYZ"])
async def test_chain_deltas_bounded_and_monotone_in_strike(provider, symbol):
    chain = await provider.get_option_chain(symbol)
    for direction in ("call", "put"):
        for contracts in contracts_by_expiration(chain, direction).values():
            deltas = [c.delta for c in contracts]
            if direction == "call":
                assert all(0 < d < 1 for d in deltas)
                assert all(a > b for a, b in itertools.pairwise(deltas))
            else:
                assert all(-1 < d < 0 for d in deltas)
                # A higher put strike is deeper in the money: |delta| grows toward 1.
                assert all(abs(a) < abs(b) for a, b in itertools.pairwise(deltas))


async def test_chain_quotes_ticks_skew_and_liquidity(provider):
    chain = await provider.get_option_chain("AAPL")
    assert chain.source == "simulated"
    assert len(chain.expirations()) >= 10
    for c in chain.contracts:
        assert c.symbol == occ_symbol("AAPL", c.expiration, c.direction, c.strike)
        assert 0 <= c.bid < c.ask
        assert c.bid <= c.mark <= c.ask and c.bid <= c.last <= c.ask
        tick = 0.01 if c.ask <= 3.0 else 0.05
        assert round(c.ask / 0.01) == pytest.approx(c.ask / 0.01, abs=1e-6)
        if c.bid >= 3.0:
            assert round(c.bid / tick) == pytest.approx(c.bid / tick, abs=1e-6)
        assert c.gamma > 0 and c.vega > 0 and c.iv > 0
        assert c.open_interest >= 0 and c.volume >= 0
    monthly = third_friday(2027, 1)
    puts = contracts_by_expiration(chain, "put")[monthly]
    spot = chain.underlying_price
    atm = min(puts, key=lambda c: abs(c.strike - spot))
    # Put skew: lower strikes carry a higher implied volatility.
    assert puts[0].iv > atm.iv
    # Open interest and volume fall away from the money on both sides.
    assert atm.open_interest > 3 * puts[0].open_interest
    assert atm.open_interest > 3 * puts[-1].open_interest
    # At the money theta decays about a dollar amount a trader would recognize.
    assert -0.5 < atm.theta < 0
    assert 0.4 < abs(atm.delta) < 0.6


async def test_filters_return_the_same_contracts_as_the_full_chain(provider):
    full = await provider.get_option_chain("TSLA")
    puts = await provider.get_option_chain("TSLA", direction="put", min_dte=20, max_dte=50)
    today = date(2026, 11, 23)
    assert puts.contracts
    assert set(puts.contracts) == set(full.select(today=today, direction="put", min_dte=20, max_dte=50))
    narrow = await provider.get_option_chain("TSLA", direction="call", strike_count=3)
    for expiration in narrow.expirations():
        strikes = narrow.strikes(expiration)
        assert len(strikes) == 6
        assert sum(k <= narrow.underlying_price for k in strikes) == 3
    assert set(narrow.contracts) <= set(full.contracts)


async def test_earnings_and_dividends_are_synthetic_and_stable(provider, xnys):
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    earnings = await provider.get_earnings(["AAPL", "SPY", "XYZ"], start, end)
    assert earnings == await provider.get_earnings(["AAPL", "SPY", "XYZ"], start, end)
    by_symbol = defaultdict(list)
    for event in earnings:
        by_symbol[event.symbol].append(event)
        assert xnys.is_session(event.day)
        assert event.hour in ("bmo", "amc")
        assert event.source == "simulated"
    assert len(by_symbol["AAPL"]) == 4 and len(by_symbol["XYZ"]) == 4
    assert "SPY" not in by_symbol  # an index ETF reports no earnings
    dividends = await provider.get_dividends(["KO", "AMZN", "SPY"], start, end)
    assert {d.symbol for d in dividends} == {"KO", "SPY"}
    assert len([d for d in dividends if d.symbol == "KO"]) == 4
    assert all(d.amount > 0 and xnys.is_session(d.ex_date) for d in dividends)


@pytest.mark.parametrize(("price", "step"), [(8.0, 0.5), (24.9, 0.5), (68.0, 1.0), (230.0, 2.5), (560.0, 5.0)])
def test_strike_steps(price, step):
    assert strike_step(price) == step


def test_provider_health_says_simulated(provider):
    assert provider.simulated
    assert provider.health()["status"] == "ok"
    assert "simulated" in provider.health()["detail"]
