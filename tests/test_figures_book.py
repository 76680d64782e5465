"""A book with a wheel in every state, its figures worked out by hand, wherever they are reported.

Today is Tuesday 2026-11-24, 10:00 in New York (market open). Portfolio "Book"; prices set by hand:
F 24.08, T 21.50, KO 58.25 (PFE, CSCO, GM have no shares: their price does not enter any P&L).

| wheel (capital) | state now | trade | opened | settled | premium | close | net | stock | result |
|---|---|---|---|---|---|---|---|---|---|
| CSCO (5,000) | cash | put 50 ×1, closed for 150 | 10-01 | 10-17 | 120 | 150 | −30 | | loss |
| PFE (5,000) | short put | put 25 ×2, open | 11-02 | | 90 | | 90 | | |
| F (3,000) | shares, no call | put 30 ×1, assigned | 09-02 | 09-19 | 85 | | 85 | | loss |
| | | call 31 ×1, expired | 10-01 | 10-17 | 40 | | 40 | | win |
| T (4,000) | short call | put 20 ×2, assigned | 09-08 | 09-26 | 110 | | 110 | | loss |
| | | call 21 ×2, open | 11-03 | | 60 | | 60 | | |
| GM (4,000) | cash | put 40 ×1, assigned | 08-03 | 08-21 | 150 | | 150 | | loss |
| | | call 42 ×1, called away | 08-24 | 09-18 | 50 | | 50 | +200 = (42 − 40) × 100 | loss |
| KO (6,000) | started in shares | 100 sh @ 60, no trade | | | | | | | |

Unrealized: F (24.08 − 30) × 100 = −592.00; T (21.50 − 20) × 200 = +300.00; KO (58.25 − 60) × 100 = −175.00;
Σ = −467.00. Premium 705, close costs 150, premium net 555, realized 200, total P&L 555 + 200 − 467 = 288.00.
Trades: 8, 2 open, 6 settled, 1 win → win rate 1/6 = 16.67 %. Closed cycles: CSCO (−30, loss) and GM
(150 + 50 + 200 = 400, win) → cycle win rate 50.00 %. Capital 27,000 → return on capital 288 / 27,000 = 1.07 %.
Collateral-days (strike × 100 × contracts × days open): CSCO 5,000 × 16 = 80,000; PFE 5,000 × 22 = 110,000;
F put 3,000 × 17 = 51,000; F call 3,100 × 16 = 49,600; T put 4,000 × 18 = 72,000; T call 4,200 × 21 = 88,200;
GM put 4,000 × 18 = 72,000; GM call 4,200 × 25 = 105,000; Σ = 627,800 → annualized 555 × 365 / 627,800 = 32.27 %.
Symbols by total P&L: T 170 + 300 = 470; GM 400; PFE 90; CSCO −30; KO −175; F 125 − 592 = −467.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of
from tests.fixed_quotes import FixedQuotes, fixed_market
from wheeld.app import Container
from wheeld.clock import FrozenClock
from wheeld.config import Config
from wheeld.http.app import create_app
from wheeld.market_calendar import TradingCalendar

PRICES = {"F": 24.08, "T": 21.50, "KO": 58.25, "PFE": 26.10, "CSCO": 55.00, "GM": 45.00}


@pytest.fixture
def provider_and_container(config: Config, clock: FrozenClock, xnys: TradingCalendar) -> tuple[FixedQuotes, Container]:
    market, provider = fixed_market(clock, xnys, PRICES)
    return provider, Container.build(config, clock, xnys, market=market)


@pytest.fixture
async def book_client(
    aiohttp_client: Callable[..., Awaitable[TestClient]], provider_and_container: tuple[FixedQuotes, Container]
) -> TestClient:
    return await aiohttp_client(create_app(provider_and_container[1]))


async def _wheel(client: TestClient, pid: int, symbol: str, capital: int, **extra: Any) -> int:
    body = {"symbol": symbol, "capital_allocated": capital, **extra}
    return (await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json=body), 201))["id"]


async def _trade(
    client: TestClient, wid: int, direction: str, strike: float, contracts: int, premium: float, opened: str, exp: str
) -> int:
    body = {
        "direction": direction,
        "strike": strike,
        "contracts": contracts,
        "total_premium": premium,
        "expiration_date": exp,
        "opened_at": f"{opened}T15:00:00Z",
    }
    return (await data_of(await client.post(f"/api/v1/wheels/{wid}/trades", json=body), 201))["id"]


async def _settle(client: TestClient, tid: int, day: str, **body: Any) -> None:
    await data_of(await client.post(f"/api/v1/trades/{tid}/settle", json={**body, "settled_at": f"{day}T19:00:00Z"}))


@pytest.fixture
async def book(book_client: TestClient) -> dict[str, int]:
    client = book_client
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "Book"}), 201))["id"]
    empty = (await data_of(await client.post("/api/v1/portfolios", json={"name": "Empty"}), 201))["id"]
    ids = {"portfolio": pid, "empty": empty}
    ids["CSCO"] = w = await _wheel(client, pid, "CSCO", 5000)
    t = await _trade(client, w, "put", 50, 1, 120, "2026-10-01", "2026-10-16")
    await _settle(client, t, "2026-10-17", outcome="closed", close_cost=150)
    ids["PFE"] = w = await _wheel(client, pid, "PFE", 5000)
    await _trade(client, w, "put", 25, 2, 90, "2026-11-02", "2026-12-18")
    ids["F"] = w = await _wheel(client, pid, "F", 3000)
    t = await _trade(client, w, "put", 30, 1, 85, "2026-09-02", "2026-09-18")
    await _settle(client, t, "2026-09-19", outcome="assigned", stock_price_at_expiry=28)
    t = await _trade(client, w, "call", 31, 1, 40, "2026-10-01", "2026-10-16")
    await _settle(client, t, "2026-10-17", outcome="expired", stock_price_at_expiry=27)
    ids["T"] = w = await _wheel(client, pid, "T", 4000)
    t = await _trade(client, w, "put", 20, 2, 110, "2026-09-08", "2026-09-25")
    await _settle(client, t, "2026-09-26", outcome="assigned", stock_price_at_expiry=19)
    await _trade(client, w, "call", 21, 2, 60, "2026-11-03", "2026-12-18")
    ids["GM"] = w = await _wheel(client, pid, "GM", 4000)
    t = await _trade(client, w, "put", 40, 1, 150, "2026-08-03", "2026-08-21")
    await _settle(client, t, "2026-08-21", outcome="assigned", stock_price_at_expiry=38)
    t = await _trade(client, w, "call", 42, 1, 50, "2026-08-24", "2026-09-18")
    await _settle(client, t, "2026-09-18", outcome="assigned", stock_price_at_expiry=44)
    ids["KO"] = await _wheel(client, pid, "KO", 6000, starting_direction="call", shares=100, cost_basis=60)
    return ids


async def _csv(client: TestClient, url: str) -> list[dict[str, str]]:
    response = await client.get(url + ("&" if "?" in url else "?") + "format=csv")
    assert response.status == 200
    return list(csv.DictReader(io.StringIO((await response.text()).lstrip("\ufeff"))))


# (url, premium_net, realized, unrealized, total, win_rate, cycle_win_rate); the JSON and the CSV agree.
# 30d = 10-26..11-24: only the two open trades (PFE 90, T 60) fall in it, nothing settled, no cycle ended.
# 90d = 08-27..11-24: all but the GM put (settled 08-21): net 555 − 150 = 405, GM's call realizes 200; settled
#   CSCO, F put, F call, T put, GM call = 1 win of 5 (20 %); cycles ended: CSCO 10-17 (loss), GM 09-18 (win).
# September: F put 85, T put 110, GM call 50 + 200 realized; no unrealized (the period ends before today);
#   3 settled, 0 wins: a true 0 %; GM's cycle ended 09-18: 1 of 1.
PERIODS = [
    ("/api/v1/performance?portfolio_id={portfolio}", 555.0, 200.0, -467.0, 288.0, 16.67, 50.0),
    ("/api/v1/performance", 555.0, 200.0, -467.0, 288.0, 16.67, 50.0),
    ("/api/v1/performance?period=all", 555.0, 200.0, -467.0, 288.0, 16.67, 50.0),
    ("/api/v1/performance?period=365d", 555.0, 200.0, -467.0, 288.0, 16.67, 50.0),
    ("/api/v1/performance?period=90d", 405.0, 200.0, -467.0, 138.0, 20.0, 50.0),
    ("/api/v1/performance?period=30d", 150.0, 0.0, -467.0, -317.0, None, None),
    ("/api/v1/performance?start=2026-09-01&end=2026-09-30", 245.0, 200.0, None, 445.0, 0.0, 100.0),
    ("/api/v1/performance?wheel_id={F}", 125.0, 0.0, -592.0, -467.0, 50.0, None),
    ("/api/v1/performance?wheel_id={KO}", 0.0, 0.0, -175.0, -175.0, None, None),
    ("/api/v1/performance?symbol=T&period=30d", 60.0, 0.0, 300.0, 360.0, None, None),
]


@pytest.mark.parametrize(("url", "net", "realized", "unrealized", "total", "win_rate", "cycle_rate"), PERIODS)
async def test_every_scope_and_period_in_json_and_csv(
    book_client: TestClient, book: dict[str, int], url: str, net, realized, unrealized, total, win_rate, cycle_rate
) -> None:
    url = url.format(**book)
    m = await data_of(await book_client.get(url))
    assert (m["premium_net"], m["realized_stock_pnl"], m["unrealized_stock_pnl"], m["total_pnl"]) == (
        net,
        realized,
        unrealized,
        total,
    )
    assert (m["win_rate"], m["cycle_win_rate"]) == (win_rate, cycle_rate)
    assert m["unpriced_symbols"] == []
    [row] = await _csv(book_client, url)
    cell = lambda v: "" if v is None else f"{v:.2f}"  # noqa: E731 - the CSV's own rendering of a figure
    assert (row["premium_net"], row["unrealized_stock_pnl"], row["total_pnl"]) == (
        cell(net),
        cell(unrealized),
        cell(total),
    )
    assert (row["win_rate"], row["cycle_win_rate"]) == (cell(win_rate), cell(cycle_rate))


async def test_summary_prices_every_held_symbol(book_client: TestClient, book: dict[str, int]) -> None:
    s = await data_of(await book_client.get(f"/api/v1/portfolios/{book['portfolio']}/summary"))
    assert (s["total_premium"], s["close_costs"], s["premium_net"]) == (705.0, 150.0, 555.0)
    assert (s["realized_stock_pnl"], s["unrealized_stock_pnl"], s["net_pnl"]) == (200.0, -467.0, 288.0)
    assert (s["wins"], s["losses"], s["win_rate"], s["open_positions"]) == (1, 5, 16.67, 2)
    assert s["unpriced_symbols"] == [] and s["stale_symbols"] == [] and s["price_stale"] is False
    assert s["price_age_seconds"] == 0.0 and s["price_as_of"] == "2026-11-24T15:00:00Z"
    m = await data_of(await book_client.get(f"/api/v1/performance?portfolio_id={book['portfolio']}"))
    # Capital 27,000: 288 / 27,000 = 1.07 %; 555 × 365 / 627,800 collateral-days = 32.27 %.
    assert (m["return_on_capital"], m["annualized_return"], m["capital_allocated"]) == (1.07, 32.27, 27000.0)
    assert (m["cycles_closed"], m["cycles_won"]) == (2, 1)


async def test_portfolios_side_by_side_and_empty_ratios_are_null(book_client: TestClient, book: dict[str, int]) -> None:
    rows = await data_of(await book_client.get("/api/v1/performance/portfolios"))
    by_name = {r["portfolio_name"]: r for r in rows}
    assert (by_name["Book"]["unrealized_stock_pnl"], by_name["Book"]["total_pnl"]) == (-467.0, 288.0)
    empty = by_name["Empty"]
    # Nothing settled, no cycle, no collateral, no capital: every ratio is undefined, not 0 %.
    assert [empty[k] for k in ("win_rate", "cycle_win_rate", "annualized_return", "return_on_capital")] == [None] * 4
    cells = {r["portfolio_name"]: r for r in await _csv(book_client, "/api/v1/performance/portfolios")}
    assert (cells["Book"]["unrealized_stock_pnl"], cells["Book"]["total_pnl"]) == ("-467.00", "288.00")
    assert [cells["Empty"][k] for k in ("win_rate", "cycle_win_rate", "annualized_return", "return_on_capital")] == [
        ""
    ] * 4


async def test_symbols_ranked_with_held_shares_priced(book_client: TestClient, book: dict[str, int]) -> None:
    # T 470 > GM 400 > PFE 90 > CSCO −30 > KO −175 > F −467 (F would rank 2nd at 125 with its shares unpriced).
    rows = await data_of(await book_client.get("/api/v1/performance/symbols"))
    assert [(r["rank"], r["symbol"], r["total_pnl"]) for r in rows] == [
        (1, "T", 470.0),
        (2, "GM", 400.0),
        (3, "PFE", 90.0),
        (4, "CSCO", -30.0),
        (5, "KO", -175.0),
        (6, "F", -467.0),
    ]
    cells = await _csv(book_client, "/api/v1/performance/symbols")
    assert [(c["symbol"], c["unrealized_stock_pnl"], c["total_pnl"]) for c in cells] == [
        ("T", "300.00", "470.00"),
        ("GM", "0.00", "400.00"),
        ("PFE", "0.00", "90.00"),
        ("CSCO", "0.00", "-30.00"),
        ("KO", "-175.00", "-175.00"),
        ("F", "-592.00", "-467.00"),
    ]


async def test_price_refresh_covers_shares_held(
    book_client: TestClient, book: dict[str, int], provider_and_container: tuple[FixedQuotes, Container]
) -> None:
    provider, container = provider_and_container
    provider.calls.clear()
    summary = await container.core_job_deps.refresh_quotes(None)  # what the price_refresh job runs
    # Open options: PFE, T; shares held: F, T, KO. CSCO and GM are back in cash: nothing to price.
    assert provider.calls == [["F", "KO", "PFE", "T"]]
    assert summary == "refreshed 4 of 4 symbols from fixed"


async def test_only_a_symbol_without_a_quote_is_unpriced(
    book_client: TestClient, book: dict[str, int], provider_and_container: tuple[FixedQuotes, Container]
) -> None:
    provider, _ = provider_and_container
    del provider.prices["KO"]  # the provider really has no quote for KO
    s = await data_of(await book_client.get(f"/api/v1/portfolios/{book['portfolio']}/summary"))
    # KO is left out: −592 + 300 = −292; total 555 + 200 − 292 = 463.
    assert (s["unpriced_symbols"], s["unrealized_stock_pnl"], s["net_pnl"]) == (["KO"], -292.0, 463.0)
