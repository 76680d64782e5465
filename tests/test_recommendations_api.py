"""Recommendations over HTTP on the simulated provider at the fixed test date (Tue 2026-11-24, 10:00 New York).

The picks below are read off the simulated chains that `test_chain_grid_is_what_the_picks_are_read_from`
pins (|delta| by strike and expiration; DTE after the slash):

    AAPL puts at 217.47 (20-day average 221.79, 50-day 215.06: between them, no trend, no bias)
    strike  12-11/17  12-18/24  12-24/30  12-31/37  01-08/45  01-15/52  01-22/59
     187.5  0.048     0.064     0.078     0.094     0.108     0.117     0.124   <- defensive (0.125, 30–60)
     190.0  0.057     0.076     0.091     0.109     0.123     0.133     0.141
     200.0  0.128     0.155     0.175     0.195     0.210     0.220     0.226   <- conservative (0.175, 30–45)
     205.0  0.193     0.220     0.239     0.257     0.269     0.277     0.283
     207.5  0.236     0.261     0.277     0.293     0.303     0.310     0.314   <- moderate (0.275, 21–45)
     212.5  0.344     0.358     0.367     0.374     0.379     0.381     0.382   <- aggressive (0.375, 14–30)
    KO puts at 68.02 (above both averages: bullish, moderate's target 0.275 → 0.305)
     66.0             0.259     0.277     0.294     0.307   <- 01-08
    MSFT puts at 592.72 (below both averages: bearish, moderate's target 0.275 → 0.245)
     565.0            0.235     0.247     0.265     0.275   <- 12-24
    AAPL calls (no trend, target 0.275)
     230.0            0.233     0.264     0.296     0.320
     232.5            0.185     0.219     0.253     0.280   <- 01-08, the best of all calls
     235.0            0.144     0.178     0.214     0.242   <- 01-08, the best at or above a basis of 233
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from wheeld.app import Container
from wheeld.clock import FrozenClock
from wheeld.config import Config
from wheeld.errors import ConfigError
from wheeld.http.app import create_app
from wheeld.market_calendar import TradingCalendar
from wheeld.marketdata.base import ProviderError
from wheeld.marketdata.models import Direction, OptionChain
from wheeld.marketdata.service import MarketData
from wheeld.marketdata.simulated import SimulatedProvider

TODAY = date(2026, 11, 24)


async def portfolio(client: TestClient, name: str = "Income") -> int:
    return (await data_of(await client.post("/api/v1/portfolios", json={"name": name}), 201))["id"]


async def wheel(client: TestClient, pid: int, symbol: str, **spec: Any) -> int:
    body = {"symbol": symbol, "capital_allocated": 100_000, **spec}
    return (await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json=body), 201))["id"]


async def recommendation(client: TestClient, wheel_id: int) -> dict[str, Any]:
    return await data_of(await client.get(f"/api/v1/wheels/{wheel_id}/recommendation"))


def n_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


async def test_chain_grid_is_what_the_picks_are_read_from(container: Container) -> None:
    chain = await container.market.chain("AAPL", "put")
    delta = {(c.strike, c.expiration.isoformat()): round(abs(c.delta or 0), 3) for c in chain.contracts}
    assert chain.underlying_price == 217.47
    assert [delta[(k, "2026-12-24")] for k in (200.0, 205.0, 207.5, 212.5)] == [0.175, 0.239, 0.277, 0.367]
    assert [delta[(187.5, e)] for e in ("2027-01-08", "2027-01-15", "2027-01-22")] == [0.108, 0.117, 0.124]
    assert delta[(190.0, "2027-01-08")] == 0.123


@pytest.mark.parametrize(
    ("symbol", "profile", "strike", "expiration", "delta", "trend"),
    [
        ("AAPL", "conservative", 200.0, "2026-12-24", -0.1745, "neutral"),
        ("AAPL", "moderate", 207.5, "2026-12-24", -0.2772, "neutral"),
        ("AAPL", "aggressive", 212.5, "2026-12-24", -0.3667, "neutral"),
        # 190 at 45 DTE (0.123) is 0.002 from 0.125; 187.5 at 59 DTE (0.1244) only 0.0006
        ("AAPL", "defensive", 187.5, "2027-01-22", -0.1244, "neutral"),
        ("KO", "moderate", 66.0, "2027-01-08", -0.3072, "bullish"),
        ("MSFT", "moderate", 565.0, "2026-12-24", -0.2474, "bearish"),
    ],
)
async def test_the_pick_for_each_profile(
    client: TestClient, symbol: str, profile: str, strike: float, expiration: str, delta: float, trend: str
) -> None:
    wid = await wheel(client, await portfolio(client), symbol, profile=profile, capital_allocated=1_000_000)
    rec = await recommendation(client, wid)
    assert (rec["wheel_id"], rec["symbol"], rec["direction"], rec["profile"]) == (wid, symbol, "put", profile)
    pick = rec["pick"]
    assert (pick["direction"], pick["strike"], pick["expiration_date"], pick["delta"]) == (
        "put",
        strike,
        expiration,
        delta,
    )
    assert rec["basis"]["trend"] == trend
    moved = {"bullish": "closer", "bearish": "further", "neutral": "none"}[trend]
    assert rec["basis"]["bias"]["strike_moved"] == moved
    assert 2 <= len(rec["alternatives"]) <= 3
    assert rec["basis"]["simulated"] is True and rec["basis"]["chain_source"] == "simulated"
    assert set(pick) >= {"direction", "strike", "expiration_date", "premium", "delta", "sigma_distance", "p_itm"}


async def test_sigma_distance_and_p_itm_against_hand_computed_black_scholes(
    client: TestClient, container: Container
) -> None:
    wid = await wheel(client, await portfolio(client), "AAPL")
    rec = await recommendation(client, wid)
    bars = await container.market.history("AAPL", 365)
    closes = [b.close for b in bars][-31:]
    returns = [math.log(b / a) for a, b in itertools.pairwise(closes)]
    hv = statistics.stdev(returns) * math.sqrt(252)  # 0.2246
    pick, price = rec["pick"], rec["basis"]["price"]
    t = pick["dte"] / 365
    d2 = (math.log(price / pick["strike"]) + (0.04 - hv * hv / 2) * t) / (hv * math.sqrt(t))
    assert rec["basis"]["hv30"] == pytest.approx(hv, abs=5e-5)
    assert pick["sigma_distance"] == pytest.approx(
        abs(math.log(pick["strike"] / price)) / (hv * math.sqrt(t)), abs=5e-4
    )
    assert pick["p_itm"] == pytest.approx(n_cdf(-d2), abs=5e-5)  # 0.2273
    assert pick["premium"] == round((pick["bid"] + pick["ask"]) / 2 * 100, 2)  # 357.50
    assert pick["collateral"] == 20750.0 and pick["contracts"] == 4  # 100,000 // 20,750
    assert pick["break_even"] == round(pick["strike"] - pick["mid"], 2)


async def test_covered_calls_never_below_the_adjusted_cost_basis(client: TestClient) -> None:
    pid = await portfolio(client)
    low = await wheel(client, pid, "AAPL", starting_direction="call", shares=200, cost_basis=200)
    rec = await recommendation(client, low)
    assert rec["direction"] == "call" and rec["basis"]["adjusted_cost_basis"] == 200.0
    assert (rec["pick"]["strike"], rec["pick"]["expiration_date"]) == (232.5, "2027-01-08")
    assert rec["pick"]["contracts"] == 2 and rec["pick"]["collateral"] == 20000.0  # cost basis × 100
    await client.patch(f"/api/v1/wheels/{low}", json={"archived": True})

    basis_233 = await wheel(client, pid, "AAPL", starting_direction="call", shares=100, cost_basis=233)
    rec = await recommendation(client, basis_233)
    assert (rec["pick"]["strike"], rec["pick"]["below_cost_basis"]) == (235.0, False)
    marked = [(a["strike"], a["expiration_date"]) for a in rec["alternatives"] if a["below_cost_basis"]]
    assert (232.5, "2027-01-08") in marked  # the best delta of all, listed only as a marked alternative
    for alternative in rec["alternatives"]:
        assert alternative["below_cost_basis"] == (alternative["strike"] < 233)
    await client.patch(f"/api/v1/wheels/{basis_233}", json={"archived": True})

    underwater = await wheel(client, pid, "AAPL", starting_direction="call", shares=100, cost_basis=400)
    rec = await recommendation(client, underwater)
    assert rec["pick"] is None
    assert [w["code"] for w in rec["warnings"]] == ["CALL_BELOW_COST_BASIS"]
    assert "every call" in rec["warnings"][0]["message"] and "400.00" in rec["warnings"][0]["message"]
    assert rec["alternatives"] and all(a["below_cost_basis"] for a in rec["alternatives"])


async def test_earnings_inside_the_window_warn(client: TestClient) -> None:
    # S011's simulated earnings fall on 2026-11-25, before any expiration
    rec = await recommendation(client, await wheel(client, await portfolio(client), "S011"))
    codes = {w["code"] for w in rec["warnings"]}
    assert "EARNINGS_BEFORE_EXPIRATION" in codes
    assert rec["basis"]["earnings"] == ["2026-11-25"]
    assert "EARNINGS_BEFORE_EXPIRATION" in {w["code"] for w in rec["pick"]["warnings"]}


async def test_a_wheel_with_an_open_option_or_archived_answers_409(client: TestClient) -> None:
    pid = await portfolio(client)
    wid = await wheel(client, pid, "AAPL")
    trade = {"direction": "put", "strike": 200, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 250}
    await data_of(await client.post(f"/api/v1/wheels/{wid}/trades", json=trade), 201)
    error = await error_of(await client.get(f"/api/v1/wheels/{wid}/recommendation"), 409, "INVALID_STATE")
    assert "open put 200.00 expiring 2026-12-18" in error["message"] and error["details"]["state"] == "short_put"
    archived = await wheel(client, pid, "KO")
    await data_of(await client.patch(f"/api/v1/wheels/{archived}", json={"archived": True}))
    error = await error_of(await client.get(f"/api/v1/wheels/{archived}/recommendation"), 409, "INVALID_STATE")
    assert "archived" in error["message"]
    await error_of(await client.get("/api/v1/wheels/9999/recommendation"), 404, "NOT_FOUND")


class RejectingProvider(SimulatedProvider):
    """The simulated market, but the broker rejects one symbol (as Schwab does an unknown one)."""

    async def get_option_chain(
        self,
        symbol: str,
        direction: Direction | None = None,
        min_dte: int | None = None,
        max_dte: int | None = None,
        strike_count: int | None = None,
    ) -> OptionChain:
        if symbol == "FAIL":
            raise ProviderError("FAIL: symbol not found", transient=False, status=404, provider=self.name)
        return await super().get_option_chain(symbol, direction, min_dte, max_dte, strike_count)


async def test_batch_reports_each_wheel_and_never_fails_whole(
    client: TestClient, container: Container, clock: FrozenClock, xnys: TradingCalendar
) -> None:
    market = MarketData(RejectingProvider(clock, xnys), clock)
    container.recommendations.market = market
    pid = await portfolio(client)
    aapl, fail, busy = [await wheel(client, pid, s) for s in ("AAPL", "FAIL", "KO")]
    trade = {"direction": "put", "strike": 60, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 50}
    await data_of(await client.post(f"/api/v1/wheels/{busy}/trades", json=trade), 201)
    body = {"wheel_ids": [aapl, 9999, fail, busy, aapl]}
    entries = await data_of(await client.post("/api/v1/recommendations", json=body))
    assert [e["wheel_id"] for e in entries] == [aapl, 9999, fail, busy]  # each wheel asked for, once
    by_id = {e["wheel_id"]: e for e in entries}
    assert by_id[aapl]["error"] is None and by_id[aapl]["recommendation"]["pick"]["strike"] == 207.5
    assert by_id[9999]["error"]["code"] == "NOT_FOUND" and by_id[9999]["symbol"] is None
    assert by_id[fail]["error"]["code"] == "EXTERNAL_API_ERROR" and by_id[fail]["symbol"] == "FAIL"
    assert "FAIL: symbol not found" in by_id[fail]["error"]["message"]
    assert by_id[busy]["error"]["code"] == "INVALID_STATE" and by_id[busy]["recommendation"] is None
    await market.close()


async def test_batch_of_a_portfolio_takes_its_wheels_in_cash_or_shares(client: TestClient) -> None:
    pid = await portfolio(client)
    cash = await wheel(client, pid, "AAPL")
    held = await wheel(client, pid, "KO", starting_direction="call", shares=300, cost_basis=60)
    busy = await wheel(client, pid, "MSFT")
    trade = {"direction": "put", "strike": 500, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 900}
    await data_of(await client.post(f"/api/v1/wheels/{busy}/trades", json=trade), 201)
    other = await wheel(client, await portfolio(client, "Other"), "SPY")
    entries = await data_of(await client.post("/api/v1/recommendations", json={"portfolio_id": pid}))
    assert [(e["wheel_id"], e["symbol"]) for e in entries] == [(cash, "AAPL"), (held, "KO")]
    assert [e["recommendation"]["direction"] for e in entries] == ["put", "call"]
    assert entries[1]["recommendation"]["pick"]["contracts"] == 3
    assert other not in {e["wheel_id"] for e in entries}
    await error_of(await client.post("/api/v1/recommendations", json={"portfolio_id": 9999}), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "wheel_ids"),
        ({"wheel_ids": [1], "portfolio_id": 1}, "wheel_ids"),
        ({"wheel_ids": []}, "wheel_ids"),
        ({"wheel_ids": list(range(1, 202))}, "wheel_ids"),
        ({"wheel_ids": ["one"]}, "wheel_ids.0"),
        ({"portfolio_id": 0}, "portfolio_id"),
        ({"wheel_ids": [1], "extra": True}, "extra"),
    ],
)
async def test_batch_validation(client: TestClient, body: dict[str, Any], field: str) -> None:
    error = await error_of(await client.post("/api/v1/recommendations", json=body), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == field


async def test_user_defined_profiles_come_from_config(
    aiohttp_client: Callable[..., Awaitable[TestClient]],
    make_config: Callable[..., Config],
    tmp_path: Path,
    clock: FrozenClock,
    xnys: TradingCalendar,
) -> None:
    file = tmp_path / "config.yaml"
    file.write_text(
        "recommendations:\n  profiles:\n    income: {base: conservative, dte: [45, 60]}\n"
        "    moderate: {delta: [0.20, 0.22]}\n"
    )
    client = await aiohttp_client(create_app(Container.build(make_config(file), clock, xnys)))
    pid = await portfolio(client)
    income = await recommendation(client, await wheel(client, pid, "AAPL", profile="income"))
    assert income["profile"] == "income" and income["basis"]["profile"]["dte"] == [45, 60]
    assert 45 <= income["pick"]["dte"] <= 60
    unknown = await recommendation(client, await wheel(client, pid, "KO", profile="zzz"))
    assert unknown["profile"] == "moderate" and unknown["basis"]["profile"]["delta"] == [0.20, 0.22]
    assert unknown["warnings"][0]["code"] == "UNKNOWN_PROFILE" and "'zzz'" in unknown["warnings"][0]["message"]


def test_profiles_key_reads_json_from_the_environment_and_names_bad_values(
    make_config: Callable[..., Config],
) -> None:
    config = make_config(environ={"WHEELD_RECOMMENDATIONS__PROFILES": '{"income": {"dte": [35, 50]}}'})
    assert config["recommendations.profiles"] == {"income": {"dte": [35, 50]}}
    with pytest.raises(ConfigError) as caught:
        make_config(environ={"WHEELD_RECOMMENDATIONS__PROFILES": '{"income": {"dte": [50, 35]}}'})
    assert caught.value.key == "recommendations.profiles" and "dte must satisfy" in caught.value.problem
    with pytest.raises(ConfigError, match="must be a mapping"):
        make_config(environ={"WHEELD_RECOMMENDATIONS__PROFILES": "[1, 2]"})


async def test_profiles_change_live_over_the_config_api(client: TestClient) -> None:
    wid = await wheel(client, await portfolio(client), "AAPL", profile="income")
    before = await recommendation(client, wid)
    assert before["profile"] == "moderate" and before["warnings"][0]["code"] == "UNKNOWN_PROFILE"
    change = {"recommendations": {"profiles": {"income": {"base": "defensive", "dte": [30, 45]}}}}
    await data_of(await client.put("/api/v1/config", json=change))
    after = await recommendation(client, wid)
    assert after["profile"] == "income" and after["basis"]["profile"]["delta"] == [0.10, 0.15]
    assert after["pick"]["dte"] <= 45
    assert "UNKNOWN_PROFILE" not in {w["code"] for w in after["warnings"]}
    bad = {"recommendations": {"profiles": {"income": {"delta": [0.5, 0.1]}}}}
    error = await error_of(await client.put("/api/v1/config", json=bad), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == "recommendations.profiles"
