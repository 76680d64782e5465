"""Spreadsheet-ready CSV: one writer for every export (trades, positions, wheels, performance), a BOM on
request, timestamps to the second, empty cells for nulls."""

from __future__ import annotations

import csv
import io

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of

BOM = "\ufeff".encode()


async def book(client: TestClient) -> None:
    """A portfolio with a non-ASCII name, a wheel with an open put (opened with microseconds) and one in cash."""
    await data_of(await client.post("/api/v1/portfolios", json={"name": "Épargne Zürich"}), 201)
    await data_of(
        await client.post("/api/v1/portfolios/1/wheels", json={"symbol": "AAPL", "capital_allocated": 20000}), 201
    )
    await data_of(
        await client.post(
            "/api/v1/portfolios/1/wheels", json={"symbol": "KO", "capital_allocated": 8000, "notes": "dividend ☕"}
        ),
        201,
    )
    put = {
        "direction": "put",
        "strike": 175,
        "expiration_date": "2026-12-18",
        "contracts": 1,
        "premium_per_share": 3.0,
        "fees": 0.65,
        "opened_at": "2026-11-20T15:45:12.345678Z",
    }
    await data_of(await client.post("/api/v1/wheels/1/trades", json=put), 201)


async def csv_rows(client: TestClient, url: str) -> tuple[bytes, list[dict[str, str]]]:
    response = await client.get(url)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/csv"
    raw = await response.read()
    text = raw.decode("utf-8-sig")
    return raw, list(csv.DictReader(io.StringIO(text)))


async def test_positions_csv(client: TestClient) -> None:
    await book(client)
    raw, rows = await csv_rows(client, "/api/v1/positions?format=csv")
    assert not raw.startswith(BOM)
    assert [(r["symbol"], r["direction"], r["strike"], r["risk_level"]) for r in rows] == [
        ("AAPL", "put", "175.00", rows[0]["risk_level"])
    ]
    # to the second, as a spreadsheet reads a date and time (the API itself keeps its ISO form)
    assert rows[0]["opened_at"] == "2026-11-20 15:45:12"
    assert rows[0]["premium_collected"] == "300.00"  # 3.00 × 100 × 1
    assert "risk_icon" not in rows[0]


async def test_wheels_csv_with_bom_for_excel(client: TestClient) -> None:
    await book(client)
    raw, rows = await csv_rows(client, "/api/v1/wheels?format=csv&bom=1&sort=symbol")
    assert raw.startswith(BOM) and not raw[3:].startswith(BOM)
    assert [(r["symbol"], r["portfolio_name"], r["state"]) for r in rows] == [
        ("AAPL", "Épargne Zürich", "short_put"),
        ("KO", "Épargne Zürich", "cash"),
    ]
    assert rows[1]["notes"] == "dividend ☕"
    assert rows[1]["archived_at"] == ""  # null: an empty cell
    assert rows[0]["created_at"] == "2026-11-24 15:00:00"
    assert "open_trade" not in rows[0]
    _, mine = await csv_rows(client, "/api/v1/portfolios/1/wheels?format=csv&state=cash")
    assert [r["symbol"] for r in mine] == ["KO"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/trades?format=csv&bom=1",
        "/api/v1/wheels/1/trades?format=csv&bom=true",
        "/api/v1/performance?format=csv&bom=1",
    ],
)
async def test_every_export_takes_bom(client: TestClient, url: str) -> None:
    await book(client)
    raw, rows = await csv_rows(client, url)
    assert raw.startswith(BOM) and rows


async def test_trades_csv_timestamps_to_the_second(client: TestClient) -> None:
    await book(client)
    _, rows = await csv_rows(client, "/api/v1/trades?format=csv")
    assert rows[0]["opened_at"] == "2026-11-20 15:45:12"
    assert rows[0]["settled_at"] == ""


async def test_a_bad_csv_option_is_a_400(client: TestClient) -> None:
    await error_of(await client.get("/api/v1/wheels?format=csv&bom=maybe"), 400, "VALIDATION_ERROR")
    await error_of(await client.get("/api/v1/positions?format=xlsx"), 400, "VALIDATION_ERROR")
    await error_of(await client.get("/api/v1/portfolios/9/wheels?format=csv"), 404, "NOT_FOUND")
