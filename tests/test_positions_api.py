"""Position status over HTTP on the simulated provider: DTE across a holiday, moneyness, risk, filters."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tests.conftest import data_of, error_of
from wheeld.domain.money import to_cents


async def _wheel(client, pid: int, symbol: str) -> int:
    return (
        await data_of(
            await client.post(f"/api/v1/portfolios/{pid}/wheels", json={"symbol": symbol, "capital_allocated": 100000}),
            201,
        )
    )["id"]


async def _put(client, wid: int, strike: float, expiration: str = "2026-12-18") -> dict:
    return await data_of(
        await client.post(
            f"/api/v1/wheels/{wid}/trades",
            json={
                "direction": "put",
                "strike": strike,
                "expiration_date": expiration,
                "contracts": 1,
                "total_premium": 250,
                "fees": 0.65,
                "opened_at": "2026-11-20T15:00:00Z",
            },
        ),
        201,
    )


async def test_positions_price_and_classify(client, container) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    quotes = await container.market.quotes(["AAPL", "MSFT", "KO"])
    price = {s: Decimal(str(q.price)) for s, q in quotes.items()}
    # strikes chosen against the simulated price: 20 % below (LOW), 2 % below (MEDIUM), 10 % above (ITM)
    plan = {
        "AAPL": price["AAPL"] * Decimal("0.8"),
        "MSFT": price["MSFT"] * Decimal("0.98"),
        "KO": price["KO"] * Decimal("1.1"),
    }
    for symbol, strike in plan.items():
        await _put(client, await _wheel(client, pid, symbol), float(strike.quantize(Decimal("0.01"))))
    body = await (await client.get("/api/v1/positions")).json()
    by_symbol = {p["symbol"]: p for p in body["data"]}
    assert body["pagination"]["total_items"] == 3
    assert {s: p["risk_level"] for s, p in by_symbol.items()} == {"AAPL": "LOW", "MSFT": "MEDIUM", "KO": "HIGH"}
    assert by_symbol["KO"]["is_itm"] is True and by_symbol["KO"]["risk_icon"] == "🔴"
    for symbol, position in by_symbol.items():
        strike, current = Decimal(str(position["strike"])), Decimal(str(position["current_price"]))
        assert current == Decimal(to_cents(quotes[symbol].price)) / 100
        expected = ((current - strike) / strike * 100).quantize(Decimal("0.01"))
        assert Decimal(str(position["moneyness_pct"])) == expected
        assert position["price_source"] == "simulated" and position["price_stale"] is False
        # 2026-11-24 (Tue) → 2026-12-18: 24 calendar days; sessions Nov 25, 27 (26th is Thanksgiving),
        # then three full weeks = 2 + 15 = 17 trading days
        assert (position["dte_calendar"], position["dte_trading"]) == (24, 17)
        # breakeven = strike − (250 − 0.65) / 100 per share
        expected_breakeven = (strike - Decimal("2.4935")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert Decimal(str(position["breakeven"])) == expected_breakeven
    high = await (await client.get("/api/v1/positions?risk_level=HIGH")).json()
    assert [p["symbol"] for p in high["data"]] == ["KO"]
    scoped = await (await client.get(f"/api/v1/positions?portfolio_id={pid}&symbol=msft")).json()
    assert [p["symbol"] for p in scoped["data"]] == ["MSFT"]


async def test_approaching_expiration_and_expires_before(client) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    await _put(client, await _wheel(client, pid, "AAPL"), 1.0, "2026-11-27")  # Friday: 3 days, 1 session
    await _put(client, await _wheel(client, pid, "MSFT"), 1.0, "2026-11-25")  # tomorrow
    body = await (await client.get("/api/v1/positions")).json()
    by_symbol = {p["symbol"]: p for p in body["data"]}
    assert (by_symbol["AAPL"]["dte_calendar"], by_symbol["AAPL"]["dte_trading"]) == (3, 2)
    assert by_symbol["AAPL"]["approaching_expiration"] is False
    assert (by_symbol["MSFT"]["dte_calendar"], by_symbol["MSFT"]["approaching_expiration"]) == (1, True)
    soon = await (await client.get("/api/v1/positions?expires_before=2026-11-26")).json()
    assert [p["symbol"] for p in soon["data"]] == ["MSFT"]


async def test_wheel_position(client) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    wid = await _wheel(client, pid, "AAPL")
    await error_of(await client.get(f"/api/v1/wheels/{wid}/position"), 409, "INVALID_STATE")
    await error_of(await client.get("/api/v1/wheels/999/position"), 404, "NOT_FOUND")
    trade = await _put(client, wid, 100)
    position = await data_of(await client.get(f"/api/v1/wheels/{wid}/position"))
    assert position["trade_id"] == trade["id"] and position["risk_level"] in {"LOW", "MEDIUM", "HIGH"}


async def test_positions_reflect_writes_at_once(client) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    wid = await _wheel(client, pid, "AAPL")
    assert (await (await client.get("/api/v1/positions")).json())["data"] == []
    trade = await _put(client, wid, 100)
    assert len((await (await client.get("/api/v1/positions")).json())["data"]) == 1
    await data_of(
        await client.post(f"/api/v1/trades/{trade['id']}/settle", json={"outcome": "closed", "close_cost": 10})
    )
    assert (await (await client.get("/api/v1/positions")).json())["data"] == []


async def test_bad_position_filters(client) -> None:
    for query in ("risk_level=EXTREME", "expires_before=soon", "portfolio_id=0", "symbol=!!"):
        await error_of(await client.get(f"/api/v1/positions?{query}"), 400, "VALIDATION_ERROR")
