"""The watchlist over HTTP: global and per-portfolio entries, validation, removal."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of


async def portfolio(client: TestClient, name: str) -> int:
    return (await data_of(await client.post("/api/v1/portfolios", json={"name": name}), 201))["id"]


async def add(client: TestClient, status: int = 201, **body: Any) -> dict[str, Any]:
    return await data_of(await client.post("/api/v1/watchlist", json=body), status)


async def symbols(client: TestClient, query: str = "") -> list[tuple[str, int | None]]:
    body = await data_of(await client.get(f"/api/v1/watchlist{query}"))
    return [(e["symbol"], e["portfolio_id"]) for e in body]


async def test_add_list_and_remove(client: TestClient) -> None:
    income, growth = await portfolio(client, "Income"), await portfolio(client, "Growth")
    ko = await add(client, symbol="ko", notes="dividend payer", profile="Conservative")
    assert {k: ko[k] for k in ("symbol", "portfolio_id", "portfolio_name", "scope", "notes", "profile")} == {
        "symbol": "KO",
        "portfolio_id": None,
        "portfolio_name": None,
        "scope": "global",
        "notes": "dividend payer",
        "profile": "conservative",
    }
    assert ko["created_at"] == "2026-11-24T15:00:00Z"
    mine = await add(client, symbol="KO", portfolio_id=income)  # the same symbol in another scope
    assert (mine["scope"], mine["portfolio_name"], mine["profile"], mine["notes"]) == ("portfolio", "Income", None, "")
    await add(client, symbol="BRK.B", portfolio_id=growth)
    await add(client, symbol="AAPL")
    assert await symbols(client) == [("AAPL", None), ("KO", None), ("KO", income), ("BRK.B", growth)]
    assert await symbols(client, f"?portfolio_id={income}") == [("KO", income)]
    assert await symbols(client, "?global=true") == [("AAPL", None), ("KO", None)]
    page = await (await client.get("/api/v1/watchlist?page_size=1&page=2")).json()
    assert page["pagination"] == {"page": 2, "page_size": 1, "total_items": 4, "total_pages": 4}

    response = await client.delete(f"/api/v1/watchlist/ko?portfolio_id={income}")
    assert response.status == 204
    assert await symbols(client) == [("AAPL", None), ("KO", None), ("BRK.B", growth)]
    assert (await client.delete("/api/v1/watchlist/KO")).status == 204  # without portfolio_id: the global entry
    error = await error_of(await client.delete("/api/v1/watchlist/KO"), 404, "NOT_FOUND")
    assert "global watchlist" in error["message"]
    await error_of(await client.delete(f"/api/v1/watchlist/AAPL?portfolio_id={income}"), 404, "NOT_FOUND")

    assert (await client.delete(f"/api/v1/portfolios/{growth}")).status == 204  # its entries go with it
    assert await symbols(client) == [("AAPL", None)]


async def test_duplicates_conflict(client: TestClient) -> None:
    pid = await portfolio(client, "Income")
    await add(client, symbol="KO")
    await add(client, symbol="KO", portfolio_id=pid)
    error = await error_of(await client.post("/api/v1/watchlist", json={"symbol": "ko"}), 409, "CONFLICT")
    assert error["message"] == "KO is already on the global watchlist"
    error = await error_of(
        await client.post("/api/v1/watchlist", json={"symbol": "KO", "portfolio_id": pid}), 409, "CONFLICT"
    )
    assert error["message"] == f"KO is already on portfolio {pid}'s watchlist"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "symbol"),
        ({"symbol": "TOOLONGSYMBOL"}, "symbol"),
        ({"symbol": "A B"}, "symbol"),
        ({"symbol": "KO", "profile": "yolo"}, "profile"),  # a well-formed name no config defines
        ({"symbol": "KO", "profile": "9x"}, "profile"),
        ({"symbol": "KO", "portfolio_id": 0}, "portfolio_id"),
        ({"symbol": "KO", "notes": "x" * 2001}, "notes"),
        ({"symbol": "KO", "target": "moon"}, "target"),
    ],
)
async def test_add_validates(client: TestClient, body: dict[str, Any], field: str) -> None:
    error = await error_of(await client.post("/api/v1/watchlist", json=body), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == field


async def test_unknown_portfolio_and_bad_filters(client: TestClient) -> None:
    await error_of(await client.post("/api/v1/watchlist", json={"symbol": "KO", "portfolio_id": 99}), 404, "NOT_FOUND")
    error = await error_of(await client.get("/api/v1/watchlist?portfolio_id=1&global=true"), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == "global"
    await error_of(await client.delete("/api/v1/watchlist/A%20B"), 400, "VALIDATION_ERROR")
