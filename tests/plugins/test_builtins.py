"""The built-in plugins on the simulated provider with a frozen clock: the alerts they raise, never twice."""

from __future__ import annotations

import itertools
import math
import string
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of
from wheeld.app import Container
from wheeld.builtin_plugins.earnings_alert import exposed_trades
from wheeld.builtin_plugins.premium_target import buy_back_cents, pct_of_premium
from wheeld.builtin_plugins.volatility_spike import jump_pct, move_multiple, remember
from wheeld.plugins import PluginStore

TODAY = date(2026, 11, 24)  # START in New York


async def alerts_of(client: TestClient, name: str, query: str = "") -> list[dict[str, Any]]:
    """Every alert a plugin raised, newest first."""
    return await data_of(await client.get(f"/api/v1/alerts?source=plugin:{name}{query}"))


async def portfolio(client: TestClient) -> int:
    return (await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}), 201))["id"]


async def wheel(client: TestClient, pid: int, symbol: str) -> int:
    body = {"symbol": symbol, "capital_allocated": 100_000}
    return (await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json=body), 201))["id"]


async def sell_put(client: TestClient, wid: int, strike: float, expiration: str, premium: float, contracts: int) -> int:
    body = {
        "direction": "put",
        "strike": strike,
        "expiration_date": expiration,
        "contracts": contracts,
        "premium_per_share": premium,
    }
    return (await data_of(await client.post(f"/api/v1/wheels/{wid}/trades", json=body), 201))["id"]


# --- earnings_alert --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expiration", "exposed"),
    [("2026-12-18", True), ("2026-12-01", True), ("2026-11-30", False)],
)
def test_an_option_is_exposed_when_it_expires_on_or_after_the_report(expiration: str, exposed: bool) -> None:
    positions = [{"symbol": "XYZ", "expiration_date": expiration, "trade_id": 1}]
    assert bool(exposed_trades(positions, "XYZ", date(2026, 12, 1))) is exposed
    assert exposed_trades(positions, "ABC", date(2026, 12, 1)) == []


async def reporting_soon(container: Container, count: int) -> list[tuple[str, date]]:
    """Symbols whose simulated earnings fall 1-7 days after TODAY, asked of the simulated provider."""
    candidates = ["".join(t) for t in itertools.product(string.ascii_uppercase, repeat=3)][:400]
    events = await container.market.earnings(candidates, TODAY + timedelta(days=1), TODAY + timedelta(days=7))
    found = list({event.symbol: event.day for event in events}.items())
    assert len(found) >= count, "the simulation has too few reports in the week"
    return found[:count]


async def test_earnings_alert_once_per_report(client: TestClient, container: Container) -> None:
    (wheeled, wheeled_day), (watched, watched_day) = await reporting_soon(container, 2)
    assert await container.market.earnings(["AAPL"], TODAY, TODAY + timedelta(days=7)) == []  # a quiet symbol
    pid = await portfolio(client)
    # An open put expiring after the report is exposed to it: that alert is HIGH.
    await sell_put(
        client, await wheel(client, pid, wheeled), 10, (wheeled_day + timedelta(days=10)).isoformat(), 0.5, 1
    )
    await wheel(client, pid, "AAPL")
    await data_of(await client.post("/api/v1/watchlist", json={"symbol": watched}), 201)

    result = await container.plugins.run_once("earnings_alert")
    assert result == {"symbols": 3, "reports": 2, "alerts_raised": 2}
    alerts = {alert["symbol"]: alert for alert in await alerts_of(client, "earnings_alert")}
    assert set(alerts) == {wheeled, watched}
    days = (wheeled_day - TODAY).days
    assert alerts[wheeled]["severity"] == "HIGH" and alerts[watched]["severity"] == "MEDIUM"
    assert alerts[wheeled]["message"].startswith(
        f"{wheeled} reports earnings in {days} day{'s' if days != 1 else ''} ({wheeled_day.isoformat()}"
    )
    assert alerts[wheeled]["message"].endswith("; 1 open option expiring after it")
    assert (alerts[watched]["kind"], alerts[watched]["condition_key"]) == (
        "earnings",
        f"plugin:earnings_alert:earnings:{watched}:{watched_day.isoformat()}",
    )
    assert alerts[watched]["details"]["days_until"] == (watched_day - TODAY).days

    assert (await container.plugins.run_once("earnings_alert"))["alerts_raised"] == 0
    # Even a cleared alert is not raised again: the store remembers the report was announced.
    await container.alerts.clear(f"plugin:earnings_alert:earnings:{watched}:{watched_day.isoformat()}")
    assert (await container.plugins.run_once("earnings_alert"))["alerts_raised"] == 0
    assert len(await alerts_of(client, "earnings_alert")) == 2

    container.clock.advance(days=8)  # type: ignore[attr-defined]  # both reports are past
    assert (await container.plugins.run_once("earnings_alert"))["alerts_raised"] == 0
    assert await alerts_of(client, "earnings_alert", "&active=true") == []
    assert await PluginStore(container.db, container.clock, "earnings_alert").get("notified") == {}


async def test_earnings_alert_settings_narrow_it(client: TestClient, container: Container) -> None:
    (watched, day), *_ = await reporting_soon(container, 1)
    await data_of(await client.post("/api/v1/watchlist", json={"symbol": watched}), 201)
    await data_of(await client.patch("/api/v1/plugins/earnings_alert", json={"config": {"include_watchlist": False}}))
    assert await container.plugins.run_once("earnings_alert") == {"symbols": 0, "reports": 0, "alerts_raised": 0}
    too_soon = (day - TODAY).days - 1
    config = {"include_watchlist": True, "days": max(too_soon, 1)}
    await data_of(await client.patch("/api/v1/plugins/earnings_alert", json={"config": config}))
    raised = (await container.plugins.run_once("earnings_alert"))["alerts_raised"]
    # A window a day short of the report misses it (a report tomorrow is inside the smallest window, 1 day).
    assert raised == (1 if too_soon < 1 else 0)


# --- premium_target ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mark", "contracts", "cents"),
    [(0.05, 1, 500), (1.235, 2, 24_700), (0.01, 10, 1_000), (2.345, 1, 23_450), (0.0, 3, 0)],
)
def test_buy_back_cost_is_mark_times_100_times_contracts(mark: float, contracts: int, cents: int) -> None:
    assert buy_back_cents(mark, contracts) == cents


@pytest.mark.parametrize(
    ("cost", "premium", "pct"), [(250, 500, 50.0), (100, 1000, 10.0), (600, 500, 120.0), (10, 0, None)]
)
def test_cost_as_a_share_of_the_premium(cost: int, premium: int, pct: float | None) -> None:
    assert pct_of_premium(cost, premium) == pct


async def test_premium_target_alerts_once_per_trade_with_the_buy_back_cost(
    client: TestClient, container: Container
) -> None:
    expiration = date(2026, 12, 18)
    chain = await container.market.chain("AAPL", "put")
    far = min(
        (c for c in chain.contracts if c.expiration == expiration and c.strike <= chain.underlying_price * 0.8),
        key=lambda c: abs(c.strike - chain.underlying_price * 0.8),
    )
    msft = await container.market.chain("MSFT", "put")
    near = min(
        (c for c in msft.contracts if c.expiration == expiration), key=lambda c: abs(c.strike - msft.underlying_price)
    )
    pid = await portfolio(client)
    # $5.00 a share for a put the market prices at a few cents: far past the 50 % target.
    target = await sell_put(client, await wheel(client, pid, "AAPL"), far.strike, expiration.isoformat(), 5.0, 2)
    # $0.10 a share for an at-the-money put worth dollars: nowhere near it.
    await sell_put(client, await wheel(client, pid, "MSFT"), near.strike, expiration.isoformat(), 0.1, 1)
    # A strike the chain does not list cannot be priced.
    await sell_put(client, await wheel(client, pid, "KO"), 41.37, expiration.isoformat(), 1.0, 1)

    result = await container.plugins.run_once("premium_target")
    assert result == {"positions": 3, "alerts_raised": 1, "unpriced": 1}
    (alert,) = await alerts_of(client, "premium_target")
    cost = buy_back_cents(far.mark or 0.0, 2)
    assert cost < 50_000
    assert (alert["trade_id"], alert["symbol"], alert["severity"], alert["kind"]) == (
        target,
        "AAPL",
        "MEDIUM",
        "premium_target",
    )
    assert alert["details"]["buy_back_cost"] == float(Decimal(cost) / 100)
    assert alert["details"]["premium_collected"] == 1000.0
    assert alert["details"]["mark"] == far.mark and alert["details"]["option_symbol"] == far.symbol
    assert f"buy back for ${Decimal(cost) / 100:,.2f}" in alert["message"]
    assert alert["message"].endswith("of the $1,000.00 collected (target 50 %)")

    assert (await container.plugins.run_once("premium_target"))["alerts_raised"] == 0
    assert len(await alerts_of(client, "premium_target")) == 1
    # Bought back: the trade is no longer open, so its alert is cleared.
    await data_of(await client.post(f"/api/v1/trades/{target}/settle", json={"outcome": "closed", "close_cost": 10}))
    assert (await container.plugins.run_once("premium_target"))["positions"] == 2
    (alert,) = await alerts_of(client, "premium_target")
    assert alert["active"] is False


# --- volatility_spike -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "earlier", "pct"),
    [(0.30, [0.25], 20.0), (0.25, [0.20, 0.30], 0.0), (0.20, [0.25, 0.25], -20.0), (0.3, [], None), (0.3, [0.0], None)],
)
def test_jump_against_the_mean(current: float, earlier: list[float], pct: float | None) -> None:
    found = jump_pct(current, earlier)
    assert found == pct if pct is None else found == pytest.approx(pct)


@pytest.mark.parametrize(
    ("closes", "lookback", "expected"),
    [
        # four moves of 1 % each way, then +5 %: about 4.9 times the mean move
        ([100, 101, 100, 101, 100, 105], 4, (5.0, math.log(1.05) / math.log(1.01))),
        ([100, 101, 100, 101, 100, 100], 4, (0.0, 0.0)),
        ([100, 100, 100, 100, 100, 99], 4, (-1.0, math.inf)),
        ([100, 101, 102], 4, None),
    ],
)
def test_last_move_against_the_mean_move(closes: list[float], lookback: int, expected: Any) -> None:
    assert move_multiple(closes, lookback) == (None if expected is None else pytest.approx(expected))


def test_remember_keeps_one_value_a_day_and_the_newest() -> None:
    history = [["2026-11-20", 0.2], ["2026-11-23", 0.21], ["2026-11-24", 0.3]]
    assert remember(history, TODAY, 0.25, 2) == [["2026-11-23", 0.21], ["2026-11-24", 0.25]]
    assert remember([], TODAY, 0.25, 3) == [["2026-11-24", 0.25]]


async def seed_iv(container: Container, symbol: str, values: list[float]) -> None:
    """Store IVs for the days before TODAY, oldest first (what earlier runs would have kept)."""
    days = [(TODAY - timedelta(days=len(values) - i)).isoformat() for i in range(len(values))]
    store = PluginStore(container.db, container.clock, "volatility_spike")
    await store.set(f"iv:{symbol}", [[day, value] for day, value in zip(days, values, strict=True)])


async def test_volatility_spike_alerts_on_an_iv_jump_once_and_clears(client: TestClient, container: Container) -> None:
    pid = await portfolio(client)
    await wheel(client, pid, "AAPL")
    await data_of(await client.post("/api/v1/watchlist", json={"symbol": "KO"}), 201)
    await data_of(await client.patch("/api/v1/plugins/volatility_spike", json={"config": {"move_multiple": 0}}))
    await seed_iv(container, "AAPL", [0.10] * 5)  # AAPL's simulated IV is near 0.28: far above 0.10
    await seed_iv(container, "KO", [0.05] * 2)  # too few days to judge

    assert await container.plugins.run_once("volatility_spike") == {"symbols": 2, "alerts_raised": 1}
    (alert,) = await alerts_of(client, "volatility_spike")
    assert (alert["symbol"], alert["kind"], alert["condition_key"]) == (
        "AAPL",
        "volatility_spike",
        "plugin:volatility_spike:iv:AAPL",
    )
    details = alert["details"]
    assert (details["measure"], details["mean"], details["days"], details["simulated"]) == ("atm_iv", 0.1, 5, True)
    assert 0.2 < details["current"] < 0.4 and details["jump_pct"] > 100
    assert f"is {details['jump_pct']:.0f} % above its 5-day mean 10.0%" in alert["message"]
    stored = await PluginStore(container.db, container.clock, "volatility_spike").get("iv:AAPL")
    assert stored[-1] == [TODAY.isoformat(), pytest.approx(details["current"], abs=1e-4)] and len(stored) == 6

    assert await container.plugins.run_once("volatility_spike") == {"symbols": 2, "alerts_raised": 0}
    assert len(await alerts_of(client, "volatility_spike")) == 1
    # Back to normal (the recent days as high as today): the alert is cleared.
    await seed_iv(container, "AAPL", [details["current"]] * 5)
    await container.plugins.run_once("volatility_spike")
    (alert,) = await alerts_of(client, "volatility_spike")
    assert alert["active"] is False


async def test_volatility_spike_alerts_on_a_daily_move(client: TestClient, container: Container) -> None:
    pid = await portfolio(client)
    await wheel(client, pid, "AAPL")
    # Any move at all is a hundredth of the mean move: an obvious spike, to see the check's alert.
    config = {"iv_jump_pct": 0, "move_multiple": 0.01}
    await data_of(await client.patch("/api/v1/plugins/volatility_spike", json={"config": config}))
    assert (await container.plugins.run_once("volatility_spike"))["alerts_raised"] == 1
    (alert,) = await alerts_of(client, "volatility_spike")
    quote = await container.market.quote("AAPL")
    assert quote.previous_close is not None
    assert alert["details"]["measure"] == "daily_move" and alert["details"]["session"] == TODAY.isoformat()
    assert alert["details"]["move_pct"] == round((quote.price / quote.previous_close - 1) * 100, 2)
    assert (await container.plugins.run_once("volatility_spike"))["alerts_raised"] == 0
