"""Portfolios over HTTP: CRUD, the default portfolio, unique names, summary zeros, cascades."""

from __future__ import annotations

from tests.conftest import data_of, error_of


async def test_create_list_get_update_delete(client) -> None:
    first = await data_of(
        await client.post("/api/v1/portfolios", json={"name": "Income", "default_capital": 50000}), 201
    )
    assert first["is_default"] is True and first["default_capital"] == 50000.0
    second = await data_of(await client.post("/api/v1/portfolios", json={"name": "Growth"}), 201)
    assert second["is_default"] is False
    listing = await client.get("/api/v1/portfolios")
    body = await listing.json()
    assert [p["name"] for p in body["data"]] == ["Income", "Growth"]
    assert body["pagination"] == {"page": 1, "page_size": 50, "total_items": 2, "total_pages": 1}
    got = await data_of(await client.get(f"/api/v1/portfolios/{second['id']}"))
    assert got["name"] == "Growth"
    patched = await data_of(
        await client.patch(f"/api/v1/portfolios/{second['id']}", json={"description": "tech", "is_default": True})
    )
    assert patched["description"] == "tech" and patched["is_default"] is True
    again = await data_of(await client.get(f"/api/v1/portfolios/{first['id']}"))
    assert again["is_default"] is False
    response = await client.delete(f"/api/v1/portfolios/{second['id']}")
    assert response.status == 204
    # deleting the default makes the oldest remaining one the default
    remaining = await data_of(await client.get(f"/api/v1/portfolios/{first['id']}"))
    assert remaining["is_default"] is True


async def test_names_are_unique_case_insensitively(client) -> None:
    await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}), 201)
    error = await error_of(await client.post("/api/v1/portfolios", json={"name": "income"}), 409, "CONFLICT")
    assert error["details"]["field"] == "name"


async def test_rename_onto_existing_name_is_conflict(client) -> None:
    await data_of(await client.post("/api/v1/portfolios", json={"name": "A"}), 201)
    b = await data_of(await client.post("/api/v1/portfolios", json={"name": "B"}), 201)
    await error_of(await client.patch(f"/api/v1/portfolios/{b['id']}", json={"name": "A"}), 409, "CONFLICT")


async def test_sort_and_pagination(client) -> None:
    for name in ["b", "c", "a", "e", "d"]:
        await client.post("/api/v1/portfolios", json={"name": name})
    body = await (await client.get("/api/v1/portfolios?sort=-name&page=2&page_size=2")).json()
    assert [p["name"] for p in body["data"]] == ["c", "b"]
    assert body["pagination"] == {"page": 2, "page_size": 2, "total_items": 5, "total_pages": 3}


async def test_summary_is_zero_without_wheels(client) -> None:
    p = await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}), 201)
    summary = await data_of(await client.get(f"/api/v1/portfolios/{p['id']}/summary"))
    assert summary["total_wheels"] == 0 and summary["net_pnl"] == 0.0 and summary["win_rate"] is None


async def test_not_found_paths(client) -> None:
    await error_of(await client.get("/api/v1/portfolios/999"), 404, "NOT_FOUND")
    await error_of(await client.patch("/api/v1/portfolios/999", json={"name": "x"}), 404, "NOT_FOUND")
    await error_of(await client.delete("/api/v1/portfolios/999"), 404, "NOT_FOUND")
    await error_of(await client.get("/api/v1/portfolios/999/summary"), 404, "NOT_FOUND")
    await error_of(await client.get("/api/v1/nothing-here"), 404, "NOT_FOUND")
