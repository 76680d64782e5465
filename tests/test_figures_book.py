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
from datetime import datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of
from tests.fixed_quotes import FixedQuotes, fixed_market
from wheeld.app import Container
from wheeld.clock import NEW_YORK, FrozenClock
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


# Cycles, worked by hand (collateral-days: strike × 100 × contracts per day a put is open, shares × entry
# per day they are held; annualized = total P&L / collateral-days × 365):
# | wheel | start | end | days | net | realized | unrealized | total | collateral-days | annualized % | result |
# | CSCO | 10-01 | 10-17 | 16 | −30 | 0 | 0 | −30 | 5,000 × 16 = 80,000 | −30 × 365 / 80,000 = −13.69 | loss |
# | GM | 08-03 | 09-18 | 46 | 200 | 200 | 0 | 400 | 4,000 × 18 + 4,000 × 28 = 184,000 | 400·365/184,000 = 79.35 | win |
# | F | 09-02 | open | 83 | 125 | 0 | −592 | −467 | 3,000 × 17 + 3,000 × 66 = 249,000 | −467·365/249,000 = −68.46 | |
# | T | 09-08 | open | 77 | 170 | 0 | 300 | 470 | 4,000 × 18 + 4,000 × 59 = 308,000 | 470 × 365 / 308,000 = 55.70 | |
# | KO | 11-24 | open | 0 | 0 | 0 | −175 | −175 | 6,000 × 0 = 0 | undefined (null) | |
# | PFE | 11-02 | open | 22 | 90 | 0 | 0 | 90 | 5,000 × 22 = 110,000 | 90 × 365 / 110,000 = 29.86 | |
# (every cycle here is each wheel's first; annualized in percent)
# GM's call was assigned above the 40 entry: both its trades are losses (win rate 0 %), its cycle is a win.
CYCLES = [
    ("CSCO", "closed", "2026-10-01", "2026-10-17", 16, -30.0, 0.0, 0.0, -30.0, 80000.0, -13.69, "loss"),
    ("GM", "closed", "2026-08-03", "2026-09-18", 46, 200.0, 200.0, 0.0, 400.0, 184000.0, 79.35, "win"),
    ("F", "open", "2026-09-02", None, 83, 125.0, 0.0, -592.0, -467.0, 249000.0, -68.46, None),
    ("T", "open", "2026-09-08", None, 77, 170.0, 0.0, 300.0, 470.0, 308000.0, 55.70, None),
    ("KO", "open", "2026-11-24", None, 0, 0.0, 0.0, -175.0, -175.0, 0.0, None, None),
    ("PFE", "open", "2026-11-02", None, 22, 90.0, 0.0, 0.0, 90.0, 110000.0, 29.86, None),
]


@pytest.mark.parametrize("row", CYCLES, ids=[r[0] for r in CYCLES])
async def test_cycles_of_each_wheel(book_client: TestClient, book: dict[str, int], row: tuple[Any, ...]) -> None:
    symbol, *expected = row
    answer = await data_of(await book_client.get(f"/api/v1/wheels/{book[symbol]}/cycles"))
    [cycle] = answer["cycles"]
    fields = ("status", "start_date", "end_date", "days", "premium_net", "realized_stock_pnl")
    fields += ("unrealized_stock_pnl", "total_pnl", "collateral_days", "annualized_return", "result")
    assert [cycle[f] for f in fields] == expected
    closed = expected[0] == "closed"
    assert (answer["cycles_closed"], answer["cycle_win_rate"]) == (
        (1, 100.0 if expected[-1] == "win" else 0.0) if closed else (0, None)
    )
    performance = await data_of(await book_client.get(f"/api/v1/performance?wheel_id={book[symbol]}"))
    assert performance["cycles"] == answer["cycles"]


async def test_an_expired_put_is_a_cycle_of_its_own(book_client: TestClient, book: dict[str, int]) -> None:
    # CSCO again: put 55 ×1 for 80, expired 11-20 (opened 11-09): a second cycle, 11 days, 5,500 × 11 = 60,500
    # collateral-days, 80 × 365 / 60,500 = 48.26 %, a win. CSCO now: 1 win of 2 closed cycles = 50 %.
    wid = book["CSCO"]
    t = await _trade(book_client, wid, "put", 55, 1, 80, "2026-11-09", "2026-11-20")
    await _settle(book_client, t, "2026-11-20", outcome="expired", stock_price_at_expiry=57)
    answer = await data_of(await book_client.get(f"/api/v1/wheels/{wid}/cycles"))
    second = answer["cycles"][1]
    assert (second["cycle"], second["days"], second["collateral_days"], second["annualized_return"]) == (
        2,
        11,
        60500.0,
        48.26,
    )
    assert [c["trades"][0]["id"] for c in answer["cycles"]][1] == t and second["result"] == "win"
    assert (answer["cycles_closed"], answer["cycles_won"], answer["cycle_win_rate"]) == (2, 1, 50.0)


async def test_cycles_of_an_unknown_wheel_is_404(book_client: TestClient) -> None:
    response = await book_client.get("/api/v1/wheels/999/cycles")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "NOT_FOUND"


async def test_quote_age_is_true_and_stale_is_shown(
    book_client: TestClient, book: dict[str, int], provider_and_container: tuple[FixedQuotes, Container]
) -> None:
    provider, _ = provider_and_container
    # The provider prices T and PFE as of Monday 20:00 New York: at Tuesday 10:00 that is 14 h = 50,400 s,
    # older than the 300 s TTL while the market is open, so stale. F and KO are priced now (age 0).
    monday_evening = datetime(2026, 11, 23, 20, tzinfo=NEW_YORK)
    provider.as_of.update({"T": monday_evening, "PFE": monday_evening})
    positions = await data_of(await book_client.get("/api/v1/positions"))
    by_symbol = {p["symbol"]: p for p in positions}
    assert (by_symbol["PFE"]["price_age_seconds"], by_symbol["PFE"]["price_stale"]) == (50400.0, True)
    assert by_symbol["PFE"]["price_as_of"] == "2026-11-24T01:00:00Z"
    s = await data_of(await book_client.get(f"/api/v1/portfolios/{book['portfolio']}/summary"))
    # Held: F, T, KO. The oldest quote behind the unrealized P&L is T's.
    assert (s["stale_symbols"], s["price_stale"], s["price_age_seconds"]) == (["T"], True, 50400.0)
    assert s["price_as_of"] == "2026-11-24T01:00:00Z"
    m = await data_of(await book_client.get("/api/v1/performance?symbol=F"))
    assert (m["stale_symbols"], m["price_stale"], m["price_age_seconds"]) == ([], False, 0.0)


async def test_premium_per_share_is_serialized_to_four_places(book_client: TestClient, book: dict[str, int]) -> None:
    # 100.00 on 3 contracts = 100 / 300 shares = 0.33333… → 0.3333; the stored total stays 100.00 exactly.
    wid = await _wheel(book_client, book["empty"], "AAPL", 60000)
    tid = await _trade(book_client, wid, "put", 180, 3, 100, "2026-11-20", "2026-12-18")
    trade = await data_of(await book_client.get(f"/api/v1/trades/{tid}"))
    assert (trade["premium_per_share"], trade["total_premium"]) == (0.3333, 100.0)


async def test_a_read_fetches_missing_prices_in_one_bounded_call(
    book_client: TestClient,
    book: dict[str, int],
    provider_and_container: tuple[FixedQuotes, Container],
    clock: FrozenClock,
) -> None:
    provider, _ = provider_and_container
    del provider.prices["KO"]
    provider.calls.clear()
    url = f"/api/v1/portfolios/{book['portfolio']}/summary"
    first = await data_of(await book_client.get(url))
    assert provider.calls == [["F", "KO", "T"]]  # nothing cached yet: the held symbols, in one call
    await data_of(await book_client.get(url))
    assert provider.calls == [["F", "KO", "T"]]  # F and T cached; KO not asked again within the TTL
    provider.prices["KO"] = 58.25
    clock.advance(301)  # past the 300 s quote TTL: KO is asked again, and now it has a quote
    later = await data_of(await book_client.get(url))
    assert provider.calls[-1] == ["KO"]
    assert (first["unpriced_symbols"], later["unpriced_symbols"], later["unrealized_stock_pnl"]) == (
        ["KO"],
        [],
        -467.0,
    )
    # F and T come from the cache now 301 s old, past the TTL while the market is open: stale.
    assert (later["stale_symbols"], later["price_age_seconds"]) == (["F", "T"], 301.0)


async def test_snapshots_and_alerts_say_a_price_is_stale(
    book_client: TestClient, book: dict[str, int], provider_and_container: tuple[FixedQuotes, Container]
) -> None:
    provider, container = provider_and_container
    provider.as_of["T"] = datetime(2026, 11, 23, 20, tzinfo=NEW_YORK)  # 14 h old at Tuesday 10:00: stale
    await data_of(await book_client.post("/api/v1/snapshots", json={}), 201)
    snaps = {s["symbol"]: s for s in await data_of(await book_client.get("/api/v1/snapshots"))}
    assert (snaps["T"]["price_age_seconds"], snaps["T"]["price_stale"]) == (50400.0, True)
    assert (snaps["PFE"]["price_age_seconds"], snaps["PFE"]["price_stale"]) == (0.0, False)
    # T's call 21 at 21.50 is in the money: the ITM alert records the price's age and says it is stale.
    await container.core_job_deps.evaluate_risk(None)
    alerts = await data_of(await book_client.get("/api/v1/alerts?kind=itm"))
    [itm] = [a for a in alerts if a["details"].get("strike") == 21.0]
    assert (itm["details"]["price_stale"], itm["details"]["price_age_seconds"]) == (True, 50400.0)
    assert "stale price" in itm["message"]
