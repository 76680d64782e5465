"""Snapshots: idempotent per trade and day, queryable, the latest per trade, and trends across days."""

from __future__ import annotations

from tests.conftest import data_of, error_of


async def _position(client, symbol: str = "AAPL", strike: float = 100) -> tuple[int, int, int]:
    p = await data_of(await client.post("/api/v1/portfolios", json={"name": f"P-{symbol}"}), 201)
    w = await data_of(await client.post(f"/api/v1/portfolios/{p['id']}/wheels", json={"symbol": symbol}), 201)
    t = await data_of(
        await client.post(
            f"/api/v1/wheels/{w['id']}/trades",
            json={
                "direction": "put",
                "strike": strike,
                "expiration_date": "2026-12-18",
                "contracts": 1,
                "total_premium": 250,
                "opened_at": "2026-11-20T15:00:00Z",
            },
        ),
        201,
    )
    return p["id"], w["id"], t["id"]


async def _listed_put_strike(container, symbol: str) -> float:
    """A put strike the simulated chain lists for 2026-12-18 (so the snapshot finds a mark)."""
    chain = await container.market.chain(symbol, direction="put")
    strikes = sorted(c.strike for c in chain.contracts if c.expiration.isoformat() == "2026-12-18")
    return strikes[len(strikes) // 3]


async def test_snapshot_is_idempotent_per_day(client, clock, container) -> None:
    _, wid, tid = await _position(client, "AAPL", await _listed_put_strike(container, "AAPL"))
    first = await data_of(await client.post("/api/v1/snapshots", json={}), 201)
    assert (first["snapshot_date"], first["taken"], first["open_positions"]) == ("2026-11-24", 1, 1)
    clock.advance(hours=3)  # later the same New York day: the day's row is updated, not duplicated
    await data_of(await client.post("/api/v1/snapshots", json={}), 201)
    body = await (await client.get(f"/api/v1/snapshots?trade_id={tid}")).json()
    assert body["pagination"]["total_items"] == 1
    snap = body["data"][0]
    assert snap["updated_at"] > snap["created_at"]
    position = await data_of(await client.get(f"/api/v1/wheels/{wid}/position"))
    for field in ("current_price", "dte_calendar", "dte_trading", "moneyness_pct", "is_itm", "risk_level"):
        assert snap[field] == position[field], field
    assert snap["option_mark"] is not None and snap["price_source"] == "simulated"


async def test_snapshots_across_days_make_a_trend(client, clock, container) -> None:
    _, wid, tid = await _position(client, "AAPL", await _listed_put_strike(container, "AAPL"))
    for _ in range(3):
        await data_of(await client.post("/api/v1/snapshots", json={}), 201)
        clock.advance(days=1)
    snaps = await (await client.get(f"/api/v1/snapshots?wheel_id={wid}&sort=snapshot_date")).json()
    assert [s["snapshot_date"] for s in snaps["data"]] == ["2026-11-24", "2026-11-25", "2026-11-26"]
    assert [s["dte_calendar"] for s in snaps["data"]] == [24, 23, 22]
    trend = await data_of(await client.get(f"/api/v1/wheels/{wid}/trend"))
    assert trend["trade_id"] == tid and trend["points"] == 3
    assert [p["date"] for p in trend["price"]] == ["2026-11-24", "2026-11-25", "2026-11-26"]
    levels = [s["risk_level"] for s in snaps["data"]]
    expected_changes = [
        {"date": snaps["data"][i]["snapshot_date"], "from": levels[i - 1], "to": levels[i]}
        for i in range(1, 3)
        if levels[i] != levels[i - 1]
    ]
    assert trend["risk_changes"] == expected_changes
    assert all(p["premium_captured_pct"] is not None for p in trend["time_decay"])
    latest = await data_of(await client.get(f"/api/v1/trades/{tid}/snapshots/latest"))
    assert latest["snapshot_date"] == "2026-11-26"
    ranged = await (await client.get("/api/v1/snapshots?start=2026-11-25&end=2026-11-25")).json()
    assert [s["snapshot_date"] for s in ranged["data"]] == ["2026-11-25"]


async def test_portfolio_snapshot_and_errors(client) -> None:
    pid, _, _ = await _position(client, "AAPL")
    await _position(client, "MSFT")
    run = await data_of(await client.post("/api/v1/snapshots", json={"portfolio_id": pid}), 201)
    assert run["taken"] == 1
    await error_of(await client.post("/api/v1/snapshots", json={"portfolio_id": 999}), 404, "NOT_FOUND")
    await error_of(await client.get("/api/v1/trades/999/snapshots/latest"), 404, "NOT_FOUND")
    _, wid, tid = await _position(client, "KO")
    error = await error_of(await client.get(f"/api/v1/trades/{tid}/snapshots/latest"), 404, "NOT_FOUND")
    assert "no snapshot yet" in error["message"]
    await error_of(await client.get("/api/v1/wheels/999/trend"), 404, "NOT_FOUND")
    await error_of(await client.get(f"/api/v1/wheels/{wid}/trend?trade_id=1"), 404, "NOT_FOUND")
    await error_of(await client.get("/api/v1/snapshots?start=tomorrow"), 400, "VALIDATION_ERROR")


async def test_settled_trades_are_not_snapshotted(client) -> None:
    _, _, tid = await _position(client)
    await data_of(await client.post(f"/api/v1/trades/{tid}/settle", json={"outcome": "closed", "close_cost": 10}))
    run = await data_of(await client.post("/api/v1/snapshots", json={}), 201)
    assert (run["taken"], run["open_positions"]) == (0, 0)
