"""Open positions marked on the simulated chain, each mark recomputed here by an independent Black-Scholes.

The simulated provider prices a contract by Black-Scholes-Merton (continuous dividend yield) on the
day's price, with a put skew, and quotes a tick-rounded spread around the model price. The test
rewrites that pricing from the formula with math.erf (it does not call wheeld's blackscholes), takes
the bid/ask mid, and works the position's figures from it.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tests.conftest import data_of
from tests.test_alerts_api import run_risk_monitor
from wheeld.db import positions as positions_repo
from wheeld.marketdata.simulated_options import atm_implied_volatility, strike_step
from wheeld.services.option_advice import OptionMarks

TODAY = date(2026, 11, 24)  # the test clock's New York date (conftest START)
SESSION_FRACTION = 6.5 / 24.0  # the simulation values options as of the 09:30 open


def n(x: float) -> float:
    """Standard normal CDF."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def quoted(container: Any, symbol: str, direction: str, strike: float, expiration: date) -> dict[str, float]:
    """Bid, ask, mid and delta of one simulated contract, from the Black-Scholes-Merton formula."""
    provider = container.market.provider
    profile = provider.profile(symbol)
    spot = provider.price_on(symbol, TODAY)
    r, q = provider.rate, profile.dividend_yield
    t = ((expiration - TODAY).days + SESSION_FRACTION) / 365.0
    atm = atm_implied_volatility(profile, TODAY, expiration)
    forward = spot * math.exp((r - q) * t)
    m = max(-4.0, min(4.0, math.log(strike / forward) / (atm * math.sqrt(t))))
    vol = atm * max(0.3, 1.0 - 0.12 * m + 0.03 * m * m)  # the simulation's skew and smile
    d1 = (math.log(spot / strike) + (r - q + vol * vol / 2.0) * t) / (vol * math.sqrt(t))
    d2 = d1 - vol * math.sqrt(t)
    if direction == "call":
        model = spot * math.exp(-q * t) * n(d1) - strike * math.exp(-r * t) * n(d2)
        delta = math.exp(-q * t) * n(d1)
    else:
        model = strike * math.exp(-r * t) * n(-d2) - spot * math.exp(-q * t) * n(-d1)
        delta = math.exp(-q * t) * (n(d1) - 1.0)
    tick = 0.01 if model < 3.0 else 0.05
    width = 0.02 + 0.015 * model + 0.03 * min(abs(m), 2.0) + (0.03 if spot < 20 else 0.0)
    bid = max(round(math.floor((model - width / 2) / tick + 1e-9) * tick, 2), 0.0)
    ask = round(max(round(math.ceil((model + width / 2) / tick - 1e-9) * tick, 2), bid + tick), 2)
    return {"bid": bid, "ask": ask, "mid": (Decimal(str(bid)) + Decimal(str(ask))) / 2, "delta": delta}


async def _wheel(client: Any, pid: int, symbol: str, **extra: Any) -> int:
    body = {"symbol": symbol, "capital_allocated": 100000, **extra}
    return (await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json=body), 201))["id"]


async def _sell(client: Any, wid: int, direction: str, strike: float, expiration: str, premium: float) -> dict:
    trade = {
        "direction": direction,
        "strike": strike,
        "expiration_date": expiration,
        "contracts": 1,
        "total_premium": premium,
    }
    return await data_of(await client.post(f"/api/v1/wheels/{wid}/trades", json=trade), 201)


def on_grid(value: Decimal, rounding: Any, spot: Decimal | None = None) -> float:
    """`value` rounded (math.floor or math.ceil) onto the simulated strike grid (of `spot`'s price band)."""
    step = Decimal(str(strike_step(float(spot if spot is not None else value))))
    return float(rounding(value / step) * step)


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


async def test_positions_carry_the_chain_mark_and_the_advice(client: Any, container: Any) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    price = {s: Decimal(str(q.price)) for s, q in (await container.market.quotes(["AAPL", "KO", "XOM"])).items()}
    # Strikes on the simulated strike grid, placed against today's simulated prices.
    aapl_strike = on_grid(price["AAPL"] * Decimal("0.9"), math.floor)  # ~10 % OTM put, 24 DTE, 1.00 a share
    await _sell(client, await _wheel(client, pid, "AAPL"), "put", aapl_strike, "2026-12-18", 100)
    # KO: 100 shares at 90 % of the price; a ~3 % OTM call for Dec 11 (17 DTE), 0.20 a share.
    basis = float((price["KO"] * Decimal("0.9")).quantize(Decimal("0.01")))
    ko = await _wheel(client, pid, "KO", starting_direction="call", shares=100, cost_basis=basis)
    ko_strike = on_grid(price["KO"] * Decimal("1.03"), math.ceil)
    await _sell(client, ko, "call", ko_strike, "2026-12-11", 20)
    # MSFT at a strike the chain does not list (no grid has 37 cents).
    await _sell(client, await _wheel(client, pid, "MSFT"), "put", 401.37, "2026-12-18", 500)
    # XOM: a put struck ~10 % above the price: in the money by ~10 %.
    xom_strike = on_grid(price["XOM"] * Decimal("1.1"), math.ceil)
    await _sell(client, await _wheel(client, pid, "XOM"), "put", xom_strike, "2026-12-18", 300)

    positions = {p["symbol"]: p for p in await data_of(await client.get("/api/v1/positions"))}

    aapl = positions["AAPL"]
    mid = quoted(container, "AAPL", "put", aapl_strike, date(2026, 12, 18))["mid"]
    assert aapl["option_mark"] == float(mid) and aapl["mark_unavailable_reason"] is None
    assert aapl["mark_source"] == "simulated" and aapl["mark_as_of"] == aapl["price_as_of"]
    # cost to close = mid × 100 × 1; unrealized = 100.00 − it; captured = (1.00 − mid) / 1.00 × 100
    captured = (Decimal("1.00") - mid) / Decimal("1.00") * 100
    assert aapl["cost_to_close"] == _money(mid * 100)
    assert aapl["unrealized_option_pnl"] == _money(100 - mid * 100)
    assert aapl["premium_captured_pct"] == float(captured.quantize(Decimal("0.1")))
    # 24 DTE > 21, ~10 % OTM, captured < 50 %: hold, each rule's figure given.
    assert captured < 50 and aapl["is_itm"] is False
    assert aapl["advice"]["action"] == "hold"
    assert aapl["advice"]["roll_candidate"] is None
    assert aapl["advice"]["reasons"][0] == "let_expire: DTE 24 > 2"
    assert aapl["advice"]["reasons"][-1] == "roll: DTE 24 > 21"

    msft = positions["MSFT"]
    assert msft["option_mark"] is None and msft["mark_unavailable_reason"] == "not_in_chain"
    assert msft["cost_to_close"] is None and msft["unrealized_option_pnl"] is None
    assert msft["premium_captured_pct"] is None
    assert "take_profit: captured unknown (no mark)" in msft["advice"]["reasons"]

    # KO: 17 DTE ≤ 21, OTM, captured < 50 %: roll, priced. The candidate is a call at the first
    # expiration inside the moderate window (21-45 DTE): Dec 18 (24 DTE), struck where the delta is
    # nearest 0.275, never below the adjusted basis (entry − 0.20 of premium a share).
    ko_pos = positions["KO"]
    ko_mid = quoted(container, "KO", "call", ko_strike, date(2026, 12, 11))["mid"]
    assert ko_pos["option_mark"] == float(ko_mid) and ko_pos["cost_to_close"] == _money(ko_mid * 100)
    assert (Decimal("0.20") - ko_mid) / Decimal("0.20") * 100 < 50
    assert ko_pos["advice"]["action"] == "roll", ko_pos["advice"]
    roll = ko_pos["advice"]["roll_candidate"]
    assert roll["expiration_date"] == "2026-12-18"
    chain = await container.market.provider.get_option_chain("KO", "call", 24, 24)
    deltas = {
        c.strike: quoted(container, "KO", "call", c.strike, date(2026, 12, 18))["delta"]
        for c in chain.contracts
        if c.bid and Decimal(str(c.strike)) >= Decimal(str(basis)) - Decimal("0.20")
    }
    best = min(deltas, key=lambda k: (round(abs(deltas[k] - 0.275), 9), -k))
    assert roll["strike"] == best
    roll_mid = quoted(container, "KO", "call", best, date(2026, 12, 18))["mid"]
    assert roll["premium_per_share"] == float(roll_mid) and roll["premium"] == _money(roll_mid * 100)
    # net credit = the new premium − the cost to close the 67 call, to the cent
    assert roll["net_credit"] == _money(roll_mid * 100 - ko_mid * 100)
    assert roll["net_credit"] > 0
    assert ko_pos["advice"]["reasons"][-1] == f"roll: net credit {roll['net_credit']:.2f} > 0"

    # XOM: ITM by ~10 %: closing costs about the intrinsic value, more than any 0.275-delta put
    # at Dec 18 brings in: no roll earns a net credit, so close.
    xom = positions["XOM"]
    xom_mid = quoted(container, "XOM", "put", xom_strike, date(2026, 12, 18))["mid"]
    assert xom["cost_to_close"] == _money(xom_mid * 100)
    assert xom["is_itm"] is True and xom["advice"]["action"] == "close", xom["advice"]
    xom_roll = xom["advice"]["roll_candidate"]
    assert xom_roll["net_credit"] == _money(Decimal(str(xom_roll["premium"])) - xom_mid * 100) < 0
    assert xom["advice"]["reasons"][-1].startswith("close: no roll earns a net credit")

    one = await data_of(await client.get(f"/api/v1/wheels/{ko}/position"))
    assert one["option_mark"] == ko_pos["option_mark"] and one["advice"] == ko_pos["advice"]


async def test_totals_add_the_marked_open_options(client: Any, container: Any) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    price = Decimal(str((await container.market.quote("AAPL")).price))
    strike = on_grid(price * Decimal("0.9"), math.floor)
    aapl = await _wheel(client, pid, "AAPL")
    await _sell(client, aapl, "put", strike, "2026-12-18", 100)
    mid = quoted(container, "AAPL", "put", strike, date(2026, 12, 18))["mid"]
    # One open put sold for 100.00, closing at mid × 100: unrealized = 100.00 − mid × 100; the total
    # P&L (100.00 of premium, nothing else) less the cost to close is the same figure.
    summary = await data_of(await client.get(f"/api/v1/portfolios/{pid}/summary"))
    assert summary["net_pnl"] == 100.0  # unchanged: the premium collected
    assert summary["unrealized_option_pnl"] == _money(100 - mid * 100)
    assert summary["total_pnl_marked"] == _money(100 - mid * 100) and summary["unmarked_options"] == 0
    for path in (f"/api/v1/performance?wheel_id={aapl}", f"/api/v1/performance?portfolio_id={pid}"):
        figures = await data_of(await client.get(path))
        assert figures["total_pnl"] == 100.0
        assert figures["unrealized_option_pnl"] == _money(100 - mid * 100)
        assert figures["total_pnl_marked"] == _money(100 - mid * 100)
    (side,) = await data_of(await client.get("/api/v1/performance/portfolios"))
    (ranked,) = await data_of(await client.get("/api/v1/performance/symbols"))
    assert side["total_pnl_marked"] == ranked["total_pnl_marked"] == _money(100 - mid * 100)
    # A period that ends before today has no marks: null, not zero.
    past = await data_of(await client.get(f"/api/v1/performance?wheel_id={aapl}&start=2026-01-01&end=2026-06-30"))
    assert past["unrealized_option_pnl"] is None and past["total_pnl_marked"] is None
    # An option the chain does not list leaves the portfolio's marked totals null, with the count.
    await _sell(client, await _wheel(client, pid, "MSFT"), "put", 401.37, "2026-12-18", 500)
    summary = await data_of(await client.get(f"/api/v1/portfolios/{pid}/summary"))
    assert summary["unrealized_option_pnl"] is None and summary["total_pnl_marked"] is None
    assert summary["unmarked_options"] == 1 and summary["net_pnl"] == 600.0


async def test_an_advice_change_raises_one_alert_through_the_notifiers(client: Any, container: Any) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    price = Decimal(str((await container.market.quote("AAPL")).price))
    strike = on_grid(price * Decimal("0.9"), math.floor)
    trade = await _sell(client, await _wheel(client, pid, "AAPL"), "put", strike, "2026-12-18", 100)
    # 24 DTE, ~10 % OTM, little captured: hold. The first run sees it: the baseline, no alert.
    assert await run_risk_monitor(client, container) == "evaluated 1 position: raised 0, cleared 0"
    # Monday Nov 30: 18 DTE ≤ 21, so the advice changes to roll (or close without a net credit).
    container.clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    (position,) = await data_of(await client.get("/api/v1/positions"))
    action = position["advice"]["action"]
    assert action in ("roll", "close") and position["dte_calendar"] == 18
    assert await run_risk_monitor(client, container) == "evaluated 1 position: raised 1, cleared 0"
    (alert,) = await data_of(await client.get("/api/v1/alerts?active=true"))
    assert (alert["kind"], alert["trade_id"]) == ("advice", trade["id"])
    assert alert["condition_key"] == f"advice:{action}:trade:{trade['id']}"
    assert alert["severity"] == {"roll": "MEDIUM", "close": "HIGH"}[action]
    assert f"advice is now {action} (was hold)" in alert["message"]
    assert [d["channel"] for d in alert["deliveries"]] == ["log"]
    # Unchanged: de-duplicated. Settled: cleared.
    assert await run_risk_monitor(client, container) == "evaluated 1 position: raised 0, cleared 0"
    settle = {"outcome": "closed", "close_cost": 50}
    await data_of(await client.post(f"/api/v1/trades/{trade['id']}/settle", json=settle))
    assert await run_risk_monitor(client, container) == "evaluated 0 positions: raised 0, cleared 1"


async def test_the_advice_reads_the_wheel_profile_s_thresholds(client: Any, container: Any) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    price = Decimal(str((await container.market.quote("AAPL")).price))
    strike = on_grid(price * Decimal("0.9"), math.floor)
    await _sell(client, await _wheel(client, pid, "AAPL"), "put", strike, "2026-12-18", 900)
    mid = quoted(container, "AAPL", "put", strike, date(2026, 12, 18))["mid"]
    captured = (Decimal("9.00") - mid) / Decimal("9.00") * 100  # 9.00 a share sold ~10 % OTM: most of it
    assert 50 <= captured < 100
    (position,) = await data_of(await client.get("/api/v1/positions"))
    assert position["advice"]["action"] == "take_profit"
    change = {"recommendations": {"profiles": {"moderate": {"take_profit_pct": 100}}}}
    await data_of(await client.put("/api/v1/config", json=change))
    container.clock.advance(2)  # past the positions answer's one-second cache
    (position,) = await data_of(await client.get("/api/v1/positions"))
    assert position["advice"]["action"] == "hold"
    assert position["advice"]["reasons"][1] == f"take_profit: captured {position['premium_captured_pct']} % < 100 %"


async def test_a_read_asks_the_provider_for_a_bounded_number_of_chains(client: Any, container: Any) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    for symbol in ("AAPL", "KO", "XOM"):
        price = Decimal(str((await container.market.quote(symbol)).price))
        strike = on_grid(price * Decimal("0.9"), math.floor, price)
        await _sell(client, await _wheel(client, pid, symbol), "put", strike, "2026-12-18", 100)
    marks = OptionMarks(container.market, container.recommendations.settings, max_fetch=2)
    rows = await positions_repo.open_positions(container.db.reader, {})
    first = await marks.marks_of(rows, TODAY)
    # Two chains fetched by this read, the third left to the next one (pending, not zero).
    assert [m.unavailable_reason for m in first].count("chain_pending") == 1
    assert sum(1 for m in first if m.mark is not None) == 2
    second = await marks.marks_of(rows, TODAY)
    assert all(m.mark is not None for m in second)
