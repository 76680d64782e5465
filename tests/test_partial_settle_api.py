"""POST /trades/{id}/settle with `contracts`: the trade splits into a settled part and an open rest."""

from __future__ import annotations

from tests.conftest import data_of, error_of


async def _put(client, contracts: int = 3) -> tuple[int, int]:
    p = await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}), 201)
    w = await data_of(
        await client.post(f"/api/v1/portfolios/{p['id']}/wheels", json={"symbol": "KO", "capital_allocated": 20000}),
        201,
    )
    t = await data_of(
        await client.post(
            f"/api/v1/wheels/{w['id']}/trades",
            json={
                "direction": "put",
                "strike": 60,
                "expiration_date": "2026-12-18",
                "contracts": contracts,
                "total_premium": 100,
                "fees": 1.95,
                "opened_at": "2026-11-20T15:00:00Z",
            },
        ),
        201,
    )
    return w["id"], t["id"]


async def test_partial_assignment_splits_premium_and_fees_to_the_cent(client) -> None:
    wid, tid = await _put(client)
    settled = await data_of(
        await client.post(f"/api/v1/trades/{tid}/settle", json={"outcome": "assigned", "contracts": 1})
    )
    # 1 of 3: premium $100.00 × 1/3 = $33.33 (half up), fees $1.95 × 1/3 = $0.65; net 33.33 − 0.65 = 32.68.
    assert (settled["id"], settled["contracts"], settled["total_premium"], settled["fees"]) == (tid, 1, 33.33, 0.65)
    assert (settled["outcome"], settled["net_premium"], settled["wheel_state"]) == ("assigned", 32.68, "short_put")
    rest = settled["remainder"]
    # The other 2: $100.00 − $33.33 = $66.67 and $1.95 − $0.65 = $1.30, still open, opened when the trade was.
    assert (rest["contracts"], rest["total_premium"], rest["fees"], rest["outcome"]) == (2, 66.67, 1.3, "open")
    assert rest["opened_at"] == "2026-11-20T15:00:00Z" and f"split from trade {tid}" in rest["notes"]
    wheel = await data_of(await client.get(f"/api/v1/wheels/{wid}"))
    assert (wheel["state"], wheel["shares"], wheel["cost_basis"]) == ("short_put", 100, 60.0)

    done = await data_of(await client.post(f"/api/v1/trades/{rest['id']}/settle", json={"outcome": "expired"}))
    assert done["wheel_state"] == "shares" and "remainder" not in done
    wheel = await data_of(await client.get(f"/api/v1/wheels/{wid}"))
    assert (wheel["state"], wheel["shares"], wheel["cycle"]) == ("shares", 100, 1)
    # Both parts together hold the whole premium: 33.33 + 66.67 = 100.00, fees 0.65 + 1.30 = 1.95.
    listed = await data_of(await client.get(f"/api/v1/trades?wheel_id={wid}"))
    assert round(sum(t["total_premium"] for t in listed), 2) == 100.0
    assert round(sum(t["fees"] for t in listed), 2) == 1.95


async def test_partial_close_charges_the_close_cost_to_the_settled_part(client) -> None:
    _, tid = await _put(client)
    settled = await data_of(
        await client.post(
            f"/api/v1/trades/{tid}/settle", json={"outcome": "closed", "close_cost": 20, "fees": 1.3, "contracts": 2}
        )
    )
    # 2 of 3: premium $66.67, fees $1.30 of the opening + $1.30 of the buy-back; net 66.67 − 20 − 2.60 = 44.07.
    assert (settled["total_premium"], settled["fees"], settled["net_premium"]) == (66.67, 2.6, 44.07)
    assert settled["remainder"]["total_premium"] == 33.33 and settled["remainder"]["fees"] == 0.65


async def test_more_contracts_than_open_is_a_validation_error_and_writes_nothing(client) -> None:
    _, tid = await _put(client)
    error = await error_of(
        await client.post(f"/api/v1/trades/{tid}/settle", json={"outcome": "expired", "contracts": 4}),
        400,
        "VALIDATION_ERROR",
    )
    assert error["details"]["field"] == "contracts"
    trade = await data_of(await client.get(f"/api/v1/trades/{tid}"))
    assert (trade["outcome"], trade["contracts"]) == ("open", 3)
