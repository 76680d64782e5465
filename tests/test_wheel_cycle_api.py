"""A full wheel cycle over HTTP with numbers worked out by hand, a roll, and every illegal move."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import data_of, error_of


async def _setup(client, capital: float = 20000) -> tuple[int, int]:
    p = await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}), 201)
    w = await data_of(
        await client.post(
            f"/api/v1/portfolios/{p['id']}/wheels", json={"symbol": "aapl", "capital_allocated": capital}
        ),
        201,
    )
    assert w["symbol"] == "AAPL" and w["state"] == "cash" and w["profile"] == "moderate"
    return p["id"], w["id"]


async def _wheel(client, wheel_id: int) -> dict[str, Any]:
    return await data_of(await client.get(f"/api/v1/wheels/{wheel_id}"))


async def test_full_cycle_by_hand(client) -> None:
    pid, wid = await _setup(client)
    # 1. Put 180, $2.50/share, fee 0.65 → expires worthless: +249.35, a win, back to cash (cycle 2).
    put1 = await data_of(
        await client.post(
            f"/api/v1/wheels/{wid}/trades",
            json={
                "direction": "put",
                "strike": 180,
                "expiration_date": "2026-10-16",
                "contracts": 1,
                "premium_per_share": 2.5,
                "fees": 0.65,
                "opened_at": "2026-10-01T14:00:00Z",
            },
        ),
        201,
    )
    assert put1["total_premium"] == 250.0 and put1["wheel_state"] == "short_put"
    assert put1["warnings"] == [{"code": "EXPIRATION_PASSED", "message": put1["warnings"][0]["message"]}]
    s1 = await data_of(
        await client.post(
            f"/api/v1/trades/{put1['id']}/settle",
            json={"outcome": "expired", "stock_price_at_expiry": 185, "settled_at": "2026-10-16T20:30:00Z"},
        )
    )
    assert (s1["outcome"], s1["result"], s1["net_premium"], s1["wheel_state"]) == (
        "expired",
        "win",
        249.35,
        "cash",
    )
    w = await _wheel(client, wid)
    assert (w["state"], w["shares"], w["cost_basis"], w["cycle"]) == ("cash", 0, None, 2)

    # 2. Put 175, $300 total, fee 0.65 → assigned at 170: 100 shares at 175, a loss.
    put2 = await data_of(
        await client.post(
            f"/api/v1/wheels/{wid}/trades",
            json={
                "direction": "put",
                "strike": 175,
                "expiration_date": "2026-10-30",
                "contracts": 1,
                "total_premium": 300,
                "fees": 0.65,
                "opened_at": "2026-10-19T14:00:00Z",
            },
        ),
        201,
    )
    s2 = await data_of(
        await client.post(
            f"/api/v1/trades/{put2['id']}/settle",
            json={"outcome": "assigned", "stock_price_at_expiry": 170, "settled_at": "2026-10-30T21:00:00Z"},
        )
    )
    assert (s2["result"], s2["wheel_state"], s2["realized_stock_pnl"]) == ("loss", "shares", 0.0)
    w = await _wheel(client, wid)
    # adjusted basis = 175 − 299.35 / 100 = 172.0065 → 172.01
    assert (w["state"], w["shares"], w["cost_basis"], w["adjusted_cost_basis"]) == (
        "shares",
        100,
        175.0,
        172.01,
    )

    # 3. Call 180, $1.20/share, fee 0.65 → bought back for $40 with 0.65 fee: net 78.70, a win.
    call1 = await data_of(
        await client.post(
            f"/api/v1/wheels/{wid}/trades",
            json={
                "direction": "call",
                "strike": 180,
                "expiration_date": "2026-11-13",
                "contracts": 1,
                "premium_per_share": 1.2,
                "fees": 0.65,
                "opened_at": "2026-11-02T15:00:00Z",
            },
        ),
        201,
    )
    s3 = await data_of(
        await client.post(
            f"/api/v1/trades/{call1['id']}/settle",
            json={"outcome": "closed", "close_cost": 40, "fees": 0.65, "settled_at": "2026-11-06T16:00:00Z"},
        )
    )
    assert (s3["result"], s3["fees"], s3["net_premium"], s3["wheel_state"]) == ("win", 1.3, 78.7, "shares")
    w = await _wheel(client, wid)
    # 175 − (299.35 + 78.70) / 100 = 171.2195 → 171.22
    assert (w["shares"], w["adjusted_cost_basis"], w["cycle_net_premium"]) == (100, 171.22, 378.05)
    listed = await (await client.get("/api/v1/wheels?state=shares")).json()
    assert [(x["id"], x["adjusted_cost_basis"]) for x in listed["data"]] == [(wid, 171.22)]

    # 4. Call 177.50, $150, fee 0.65 → called away: realized (177.50 − 175) × 100 = +250, back to cash.
    call2 = await data_of(
        await client.post(
            f"/api/v1/wheels/{wid}/trades",
            json={
                "direction": "call",
                "strike": 177.5,
                "expiration_date": "2026-11-20",
                "contracts": 1,
                "total_premium": 150,
                "fees": 0.65,
                "opened_at": "2026-11-09T15:00:00Z",
            },
        ),
        201,
    )
    s4 = await data_of(
        await client.post(
            f"/api/v1/trades/{call2['id']}/settle",
            json={"outcome": "assigned", "stock_price_at_expiry": 179, "settled_at": "2026-11-20T21:00:00Z"},
        )
    )
    assert (s4["result"], s4["realized_stock_pnl"], s4["wheel_state"]) == ("loss", 250.0, "cash")
    w = await _wheel(client, wid)
    assert (w["state"], w["shares"], w["cost_basis"], w["adjusted_cost_basis"], w["cycle"]) == (
        "cash",
        0,
        None,
        None,
        3,
    )

    listed = await (await client.get(f"/api/v1/portfolios/{pid}/wheels")).json()
    assert [(x["id"], x["state"], x["adjusted_cost_basis"]) for x in listed["data"]] == [(wid, "cash", None)]

    summary = await data_of(await client.get(f"/api/v1/portfolios/{pid}/summary"))
    assert summary["total_premium"] == 820.0  # 250 + 300 + 120 + 150
    assert summary["fees"] == 3.25  # 0.65 × 3 + 1.30
    assert summary["close_costs"] == 40.0
    assert summary["premium_net"] == 776.75  # 820 − 40 − 3.25
    assert summary["realized_stock_pnl"] == 250.0
    assert summary["unrealized_stock_pnl"] == 0.0
    assert summary["net_pnl"] == 1026.75
    assert (summary["wins"], summary["losses"], summary["win_rate"]) == (2, 2, 50.0)
    assert (summary["total_wheels"], summary["active_wheels"], summary["open_positions"]) == (1, 1, 0)
    assert summary["capital_allocated"] == 20000.0


async def test_roll_is_linked_and_atomic(client) -> None:
    _, wid = await _setup(client)
    put = await data_of(
        await client.post(
            f"/api/v1/wheels/{wid}/trades",
            json={
                "direction": "put",
                "strike": 100,
                "expiration_date": "2026-12-18",
                "contracts": 1,
                "total_premium": 200,
                "opened_at": "2026-11-10T15:00:00Z",
            },
        ),
        201,
    )
    rolled = await data_of(
        await client.post(
            f"/api/v1/trades/{put['id']}/roll",
            json={
                "close_cost": 350,
                "new": {"strike": 95, "expiration_date": "2027-01-15", "premium_per_share": 4},
            },
        ),
        201,
    )
    closed, opened = rolled["closed"], rolled["opened"]
    assert (closed["outcome"], closed["result"], closed["net_premium"]) == ("rolled", "loss", -150.0)
    assert closed["rolled_to_id"] == opened["id"] and opened["rolled_from_id"] == closed["id"]
    assert (opened["outcome"], opened["total_premium"], opened["contracts"]) == ("open", 400.0, 1)
    w = await _wheel(client, wid)
    assert w["state"] == "short_put" and w["open_trade"]["id"] == opened["id"]
    # a roll whose new leg is invalid leaves the old trade open and nothing new written
    bad = await client.post(
        f"/api/v1/trades/{opened['id']}/roll",
        json={"close_cost": 10, "new": {"strike": 90, "expiration_date": "2026-01-02", "total_premium": 50}},
    )
    await error_of(bad, 400, "VALIDATION_ERROR")
    again = await data_of(await client.get(f"/api/v1/trades/{opened['id']}"))
    assert again["outcome"] == "open" and again["rolled_to_id"] is None
    trades = await (await client.get(f"/api/v1/wheels/{wid}/trades")).json()
    assert trades["pagination"]["total_items"] == 2


async def _snapshot(client, wid: int) -> tuple[Any, Any]:
    wheel = await _wheel(client, wid)
    trades = await (await client.get(f"/api/v1/wheels/{wid}/trades")).json()
    return wheel, trades["data"]


async def _record(client, wid: int, direction: str, contracts: int = 1):
    return await client.post(
        f"/api/v1/wheels/{wid}/trades",
        json={
            "direction": direction,
            "strike": 100,
            "expiration_date": "2026-12-18",
            "contracts": contracts,
            "total_premium": 100,
        },
    )


@pytest.mark.parametrize(
    "case",
    [
        "call_from_cash",
        "put_while_shares",
        "second_open",
        "settle_settled",
        "too_many_contracts",
        "roll_settled",
    ],
)
async def test_illegal_moves_change_nothing(client, case: str) -> None:
    pid, wid = await _setup(client)
    if case == "call_from_cash":
        before = await _snapshot(client, wid)
        error = await error_of(await _record(client, wid, "call"), 409, "INVALID_STATE")
        assert "cash" in error["message"]
    elif case in ("put_while_shares", "too_many_contracts"):
        shares = await data_of(
            await client.post(
                f"/api/v1/portfolios/{pid}/wheels",
                json={"symbol": "MSFT", "starting_direction": "call", "shares": 100, "cost_basis": 400},
            ),
            201,
        )
        wid = shares["id"]
        before = await _snapshot(client, wid)
        response = await _record(client, wid, "put" if case == "put_while_shares" else "call", contracts=2)
        error = await error_of(response, 409, "INVALID_STATE")
        assert "100" in error["message"]
    elif case == "second_open":
        await data_of(await _record(client, wid, "put"), 201)
        before = await _snapshot(client, wid)
        error = await error_of(await _record(client, wid, "put"), 409, "INVALID_STATE")
        assert "already has an open option" in error["message"]
    else:
        trade = await data_of(await _record(client, wid, "put"), 201)
        await data_of(await client.post(f"/api/v1/trades/{trade['id']}/settle", json={"outcome": "expired"}))
        before = await _snapshot(client, wid)
        if case == "settle_settled":
            response = await client.post(f"/api/v1/trades/{trade['id']}/settle", json={"outcome": "expired"})
        else:
            response = await client.post(
                f"/api/v1/trades/{trade['id']}/roll",
                json={
                    "close_cost": 1,
                    "new": {"strike": 90, "expiration_date": "2027-01-15", "total_premium": 50},
                },
            )
        error = await error_of(response, 409, "INVALID_STATE")
        assert "already settled" in error["message"]
    assert await _snapshot(client, wid) == before


async def test_wheel_validation_and_conflicts(client) -> None:
    pid, wid = await _setup(client)
    await error_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json={"symbol": "AAPL"}), 409, "CONFLICT")
    for bad in (
        {"symbol": "TOO-LONG-SYMBOL"},
        {"symbol": "A$"},
        {"symbol": "X", "starting_direction": "call"},
        {"symbol": "X", "shares": 100, "cost_basis": 10},
        {"symbol": "X", "capital_allocated": -1},
    ):
        await error_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json=bad), 400, "VALIDATION_ERROR")
    other = await data_of(await client.post("/api/v1/portfolios", json={"name": "Other"}), 201)
    twin = await data_of(await client.post(f"/api/v1/portfolios/{other['id']}/wheels", json={"symbol": "AAPL"}), 201)
    assert twin["id"] != wid and twin["capital_allocated"] == 0.0
    dotted = await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json={"symbol": "brk.b"}), 201)
    assert dotted["symbol"] == "BRK.B"


async def test_trade_input_validation(client) -> None:
    _, wid = await _setup(client)
    base = {"direction": "put", "strike": 100, "expiration_date": "2026-12-18", "contracts": 1}
    for bad in (
        {**base},
        {**base, "total_premium": 100, "premium_per_share": 1},
        {**base, "strike": 0, "total_premium": 1},
        {**base, "contracts": 0, "total_premium": 1},
        {**base, "expiration_date": "2026-02-30", "total_premium": 1},
        {**base, "premium_per_share": 1.23456, "total_premium": None},
        {**base, "total_premium": 1, "opened_at": "2027-01-01T00:00:00Z"},
        {**base, "total_premium": 1, "expiration_date": "2026-11-01", "opened_at": "2026-11-10T15:00:00Z"},
    ):
        payload = {k: v for k, v in bad.items() if v is not None}
        await error_of(await client.post(f"/api/v1/wheels/{wid}/trades", json=payload), 400, "VALIDATION_ERROR")
    assert (await _wheel(client, wid))["state"] == "cash"


async def test_capital_warning_and_early_expiry_warning(client) -> None:
    _, wid = await _setup(client, capital=5000)
    trade = await data_of(
        await client.post(
            f"/api/v1/wheels/{wid}/trades",
            json={
                "direction": "put",
                "strike": 100,
                "expiration_date": "2026-12-18",
                "contracts": 1,
                "total_premium": 100,
            },
        ),
        201,
    )
    assert [w["code"] for w in trade["warnings"]] == ["INSUFFICIENT_CAPITAL"]
    settled = await data_of(
        await client.post(
            f"/api/v1/trades/{trade['id']}/settle", json={"outcome": "expired", "stock_price_at_expiry": 90}
        )
    )
    assert [w["code"] for w in settled["warnings"]] == ["EARLY_EXPIRATION", "PRICE_SUGGESTS_ITM"]


async def test_trade_metadata_updates(client) -> None:
    _, wid = await _setup(client)
    trade = await data_of(await _record(client, wid, "put"), 201)
    updated = await data_of(
        await client.patch(f"/api/v1/trades/{trade['id']}", json={"notes": "hold", "tags": ["q4"], "fees": 1.3})
    )
    assert (updated["notes"], updated["tags"], updated["fees"]) == ("hold", ["q4"], 1.3)
    await data_of(await client.post(f"/api/v1/trades/{trade['id']}/settle", json={"outcome": "expired"}))
    await error_of(await client.patch(f"/api/v1/trades/{trade['id']}", json={"fees": 2}), 409, "INVALID_STATE")
    await error_of(await client.patch(f"/api/v1/trades/{trade['id']}", json={"strike": 2}), 400, "VALIDATION_ERROR")
    ok = await data_of(await client.patch(f"/api/v1/trades/{trade['id']}", json={"notes": "done"}))
    assert ok["notes"] == "done"


async def test_archive_and_delete(client) -> None:
    pid, wid = await _setup(client)
    trade = await data_of(await _record(client, wid, "put"), 201)
    await error_of(await client.patch(f"/api/v1/wheels/{wid}", json={"archived": True}), 409, "INVALID_STATE")
    await data_of(await client.post(f"/api/v1/trades/{trade['id']}/settle", json={"outcome": "expired"}))
    archived = await data_of(await client.patch(f"/api/v1/wheels/{wid}", json={"archived": True}))
    assert archived["is_active"] is False
    listed = await (await client.get("/api/v1/wheels")).json()
    assert listed["data"] == []
    everything = await (await client.get("/api/v1/wheels?archived=all")).json()
    assert [w["id"] for w in everything["data"]] == [wid]
    summary = await data_of(await client.get(f"/api/v1/portfolios/{pid}/summary"))
    assert summary["total_premium"] == 100.0 and summary["active_wheels"] == 0  # trades stay in totals
    await error_of(await _record(client, wid, "put"), 409, "INVALID_STATE")
    new = await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json={"symbol": "AAPL"}), 201)
    await error_of(await client.patch(f"/api/v1/wheels/{wid}", json={"archived": False}), 409, "CONFLICT")
    assert (await client.delete(f"/api/v1/wheels/{new['id']}")).status == 204
    await error_of(await client.get(f"/api/v1/wheels/{new['id']}"), 404, "NOT_FOUND")
    # deleting the portfolio cascades to wheels and trades
    assert (await client.delete(f"/api/v1/portfolios/{pid}")).status == 204
    await error_of(await client.get(f"/api/v1/trades/{trade['id']}"), 404, "NOT_FOUND")
