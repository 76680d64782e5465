"""Performance, timeline, snapshots and trends checked against a history worked out by hand.

Today is 2026-11-24 (New York). The history:

| # | portfolio | wheel | trade | period date | premium | fees | close | net | stock | result |
|---|---|---|---|---|---|---|---|---|---|---|
| T1 | Income | AAPL | put 180, expired | 2026-06-19 | 250 | 0.65 | | 249.35 | | win |
| T2 | Income | AAPL | put 175, assigned | 2026-09-19 | 300 | 0.65 | | 299.35 | | loss |
| T3 | Income | AAPL | call 180, closed | 2026-10-10 | 120 | 1.30 | 40 | 78.70 | | win |
| T4 | Income | AAPL | call 177.50, called away | 2026-11-20 | 150 | 0.65 | | 149.35 | +250 | loss |
| T5 | Income | MSFT | put 400, rolled | 2026-11-10 | 500 | 1.00 | 600 | −101.00 | | loss |
| T6 | Income | MSFT | put 390 (the roll), open | 2026-11-10 | 800 | 1.00 | | 799.00 | | |
| T7 | Growth | KO (200 sh @ 60) | 2 calls 65, expired | 2026-08-21 | 180 | 1.30 | | 178.70 | | win |
| T8 | Growth | KO | call 62, 100 sh called away | 2026-11-20 | 90 | 0.65 | | 89.35 | +200 | loss |

KO keeps 100 shares at 60: unrealized = (KO price − 60) × 100 at the simulated price.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from tests.conftest import data_of, error_of
from wheeld.domain.money import to_cents


async def _trade(client, wid: int, body: dict) -> dict:
    return await data_of(await client.post(f"/api/v1/wheels/{wid}/trades", json=body), 201)


async def _settle(client, tid: int, body: dict) -> dict:
    return await data_of(await client.post(f"/api/v1/trades/{tid}/settle", json=body))


@pytest.fixture
async def history(client, container) -> dict:
    income = await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}), 201)
    growth = await data_of(await client.post("/api/v1/portfolios", json={"name": "Growth"}), 201)
    aapl = await data_of(
        await client.post(
            f"/api/v1/portfolios/{income['id']}/wheels", json={"symbol": "AAPL", "capital_allocated": 20000}
        ),
        201,
    )
    msft = await data_of(
        await client.post(
            f"/api/v1/portfolios/{income['id']}/wheels", json={"symbol": "MSFT", "capital_allocated": 50000}
        ),
        201,
    )
    ko = await data_of(
        await client.post(
            f"/api/v1/portfolios/{growth['id']}/wheels",
            json={
                "symbol": "KO",
                "capital_allocated": 15000,
                "starting_direction": "call",
                "shares": 200,
                "cost_basis": 60,
            },
        ),
        201,
    )
    put = {"direction": "put", "contracts": 1}
    call = {"direction": "call", "contracts": 1}
    t1 = await _trade(
        client,
        aapl["id"],
        {
            **put,
            "strike": 180,
            "expiration_date": "2026-06-19",
            "total_premium": 250,
            "fees": 0.65,
            "opened_at": "2026-06-01T14:00:00Z",
        },
    )
    await _settle(client, t1["id"], {"outcome": "expired", "settled_at": "2026-06-19T21:00:00Z"})
    t2 = await _trade(
        client,
        aapl["id"],
        {
            **put,
            "strike": 175,
            "expiration_date": "2026-09-19",
            "total_premium": 300,
            "fees": 0.65,
            "opened_at": "2026-09-01T14:00:00Z",
        },
    )
    await _settle(
        client, t2["id"], {"outcome": "assigned", "stock_price_at_expiry": 170, "settled_at": "2026-09-19T21:00:00Z"}
    )
    t3 = await _trade(
        client,
        aapl["id"],
        {
            **call,
            "strike": 180,
            "expiration_date": "2026-10-16",
            "total_premium": 120,
            "fees": 0.65,
            "opened_at": "2026-10-01T14:00:00Z",
        },
    )
    await _settle(
        client, t3["id"], {"outcome": "closed", "close_cost": 40, "fees": 0.65, "settled_at": "2026-10-10T15:00:00Z"}
    )
    t4 = await _trade(
        client,
        aapl["id"],
        {
            **call,
            "strike": 177.5,
            "expiration_date": "2026-11-20",
            "total_premium": 150,
            "fees": 0.65,
            "opened_at": "2026-10-20T14:00:00Z",
        },
    )
    await _settle(
        client, t4["id"], {"outcome": "assigned", "stock_price_at_expiry": 179, "settled_at": "2026-11-20T21:00:00Z"}
    )
    t5 = await _trade(
        client,
        msft["id"],
        {
            **put,
            "strike": 400,
            "expiration_date": "2026-11-20",
            "total_premium": 500,
            "fees": 1,
            "opened_at": "2026-11-02T15:00:00Z",
        },
    )
    await data_of(
        await client.post(
            f"/api/v1/trades/{t5['id']}/roll",
            json={
                "close_cost": 600,
                "rolled_at": "2026-11-10T16:00:00Z",
                "new": {"strike": 390, "expiration_date": "2026-12-18", "total_premium": 800, "fees": 1},
            },
        ),
        201,
    )
    t7 = await _trade(
        client,
        ko["id"],
        {
            **call,
            "contracts": 2,
            "strike": 65,
            "expiration_date": "2026-08-21",
            "total_premium": 180,
            "fees": 1.3,
            "opened_at": "2026-08-03T14:00:00Z",
        },
    )
    await _settle(client, t7["id"], {"outcome": "expired", "settled_at": "2026-08-21T21:00:00Z"})
    t8 = await _trade(
        client,
        ko["id"],
        {
            **call,
            "strike": 62,
            "expiration_date": "2026-11-20",
            "total_premium": 90,
            "fees": 0.65,
            "opened_at": "2026-11-16T15:00:00Z",
        },
    )
    await _settle(
        client, t8["id"], {"outcome": "assigned", "stock_price_at_expiry": 63, "settled_at": "2026-11-20T21:00:00Z"}
    )
    quotes = await container.market.quotes(["AAPL", "MSFT", "KO"])  # warm: the summary reads cached prices
    ko_price = Decimal(to_cents(quotes["KO"].price)) / 100
    return {
        "income": income["id"],
        "growth": growth["id"],
        "aapl": aapl["id"],
        "msft": msft["id"],
        "ko": ko["id"],
        "t1": t1["id"],
        "ko_unrealized": float((ko_price - 60) * 100),
    }


def money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


async def test_system_wide_all_time(client, history) -> None:
    m = await data_of(await client.get("/api/v1/performance"))
    assert m["total_premium"] == 2390.0 and m["fees"] == 7.2 and m["close_costs"] == 640.0
    assert m["premium_net"] == 1742.8 and m["realized_stock_pnl"] == 450.0
    assert m["unrealized_stock_pnl"] == history["ko_unrealized"]
    assert money(m["total_pnl"]) == money(1742.8 + 450) + money(history["ko_unrealized"])
    assert (m["total_trades"], m["open_trades"], m["settled_trades"]) == (8, 1, 7)
    assert (m["winning_trades"], m["losing_trades"], m["win_rate"]) == (3, 4, 42.86)
    assert m["average_premium"] == 298.75 and m["period_start"] == "2026-06-01" and m["period_end"] == "2026-11-24"


async def test_last_30_days(client, history) -> None:
    m = await data_of(await client.get("/api/v1/performance?period=30d"))
    # 2026-10-26 .. 2026-11-24: T4, T5, T6 (open, by opening date), T8
    assert m["period_start"] == "2026-10-26"
    assert (m["total_trades"], m["total_premium"], m["fees"], m["close_costs"]) == (4, 1540.0, 3.3, 600.0)
    assert (m["premium_net"], m["realized_stock_pnl"]) == (936.7, 450.0)
    assert (m["winning_trades"], m["losing_trades"], m["win_rate"]) == (0, 3, 0.0)


async def test_custom_range_in_the_past(client, history) -> None:
    m = await data_of(await client.get("/api/v1/performance?start=2026-06-01&end=2026-09-30"))
    # T1, T7, T2; a range that ends before today has no unrealized P&L
    assert (m["total_trades"], m["total_premium"], m["premium_net"]) == (3, 730.0, 727.4)
    assert (m["winning_trades"], m["losing_trades"]) == (2, 1)
    assert m["unrealized_stock_pnl"] is None and m["total_pnl"] == 727.4


async def test_period_boundaries_are_inclusive(client, history) -> None:
    day = await data_of(await client.get("/api/v1/performance?start=2026-11-20&end=2026-11-20"))
    assert (day["total_trades"], day["realized_stock_pnl"]) == (2, 450.0)  # T4 and T8 settled that day
    after = await data_of(await client.get("/api/v1/performance?start=2026-11-21&end=2026-11-23"))
    assert after["total_trades"] == 0 and after["win_rate"] is None


async def test_portfolio_and_wheel_scopes_and_annualized_return(client, history) -> None:
    income = await data_of(await client.get(f"/api/v1/performance?portfolio_id={history['income']}"))
    assert (income["total_premium"], income["fees"], income["premium_net"]) == (2120.0, 5.25, 1474.75)
    assert (income["realized_stock_pnl"], income["unrealized_stock_pnl"], income["total_pnl"]) == (250.0, 0.0, 1724.75)
    assert income["capital_allocated"] == 70000.0
    # T1 alone: 249.35 net on 18,000 collateral held 18 days → 249.35 / 18000 × 365 / 18 = 28.09 %
    one = await data_of(
        await client.get(f"/api/v1/performance?wheel_id={history['aapl']}&start=2026-06-19&end=2026-06-19")
    )
    assert (one["total_trades"], one["capital_deployed"], one["annualized_return"]) == (1, 18000.0, 28.09)


async def test_portfolios_side_by_side_and_symbols_ranked(client, history) -> None:
    body = await (await client.get("/api/v1/performance/portfolios")).json()
    by_name = {p["portfolio_name"]: p for p in body["data"]}
    assert by_name["Income"]["premium_net"] == 1474.75
    assert (by_name["Growth"]["premium_net"], by_name["Growth"]["realized_stock_pnl"]) == (268.05, 200.0)
    assert by_name["Growth"]["unrealized_stock_pnl"] == history["ko_unrealized"]
    symbols = (await (await client.get("/api/v1/performance/symbols")).json())["data"]
    totals = {"AAPL": 1026.75, "MSFT": 698.0, "KO": float(money(468.05) + money(history["ko_unrealized"]))}
    assert {s["symbol"]: s["total_pnl"] for s in symbols} == totals
    assert [s["symbol"] for s in symbols] == sorted(totals, key=lambda k: -totals[k])
    assert [s["rank"] for s in symbols] == [1, 2, 3]


async def test_timeline_is_cumulative_and_ends_at_the_realized_total(client, history) -> None:
    t = await data_of(await client.get("/api/v1/performance/timeline"))
    assert [(p["date"], p["pnl"]) for p in t["points"]] == [
        ("2026-06-19", 249.35),
        ("2026-08-21", 178.7),
        ("2026-09-19", 299.35),
        ("2026-10-10", 78.7),
        ("2026-11-10", 698.0),
        ("2026-11-20", 688.7),
    ]
    assert [p["cumulative_pnl"] for p in t["points"]][-1] == t["realized_total"] == 2192.8


async def test_csv_exports(client, history) -> None:
    response = await client.get("/api/v1/performance?period=all&format=csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert len(rows) == 1 and rows[0]["premium_net"] == "1742.80" and rows[0]["total_trades"] == "8"
    symbols = list(
        csv.DictReader(io.StringIO(await (await client.get("/api/v1/performance/symbols?format=csv")).text()))
    )
    assert [r["rank"] for r in symbols] == ["1", "2", "3"]
    timeline = list(
        csv.DictReader(io.StringIO(await (await client.get("/api/v1/performance/timeline?format=csv")).text()))
    )
    assert timeline[-1]["cumulative_pnl"] == "2192.80"


@pytest.mark.parametrize(
    "query",
    [
        "period=7d",
        "period=30d&start=2026-01-01",
        "start=2026-02-30",
        "start=2026-05-01&end=2026-04-01",
        "format=pdf",
        "portfolio_id=0",
    ],
)
async def test_bad_performance_queries(client, query: str) -> None:
    await error_of(await client.get(f"/api/v1/performance?{query}"), 400, "VALIDATION_ERROR")


async def test_unknown_scope_is_404(client) -> None:
    await error_of(await client.get("/api/v1/performance?portfolio_id=99"), 404, "NOT_FOUND")
    await error_of(await client.get("/api/v1/performance?wheel_id=99"), 404, "NOT_FOUND")


async def test_summary_and_performance_agree(client, history) -> None:
    summary = await data_of(await client.get(f"/api/v1/portfolios/{history['growth']}/summary"))
    perf = await data_of(await client.get(f"/api/v1/performance?portfolio_id={history['growth']}"))
    for field in ("total_premium", "fees", "close_costs", "premium_net", "realized_stock_pnl", "unrealized_stock_pnl"):
        assert summary[field] == perf[field], field
    assert summary["net_pnl"] == perf["total_pnl"] and summary["win_rate"] == perf["win_rate"]
