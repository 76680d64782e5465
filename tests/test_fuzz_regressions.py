"""The cases the API fuzzer (tests/test_fuzz.py) found, each kept as a plain test of its fix."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import error_of


async def test_csv_export_of_an_unknown_wheel_is_a_404_envelope(client: TestClient) -> None:
    # Found as GET /api/v1/wheels/4/trades?end=2000-01-01&format=csv: the CSV headers went out with a
    # 200 before the service looked the wheel up, so its 404 cut the chunked stream half-way.
    response = await client.get("/api/v1/wheels/4/trades?format=csv")
    error = await error_of(response, 404, "NOT_FOUND")
    assert response.content_type == "application/json"
    assert "wheel 4" in error["message"]


async def test_csv_export_with_an_unknown_sort_key_is_a_400_envelope(client: TestClient) -> None:
    # Found as GET /api/v1/trades?...&format=csv&sort=0: the same cut stream, for a validation error.
    response = await client.get("/api/v1/trades?format=csv&sort=0")
    error = await error_of(response, 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == "sort"


async def test_csv_export_still_streams_every_row(client: TestClient) -> None:
    # The fix reads the first chunk before the headers: the rest must still follow, header row first.
    portfolio = await (await client.post("/api/v1/portfolios", json={"name": "Income"})).json()
    wheel = await client.post(
        f"/api/v1/portfolios/{portfolio['data']['id']}/wheels", json={"symbol": "KO", "capital_allocated": 8000}
    )
    wheel_id = (await wheel.json())["data"]["id"]
    trade = {"direction": "put", "strike": 60, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 40}
    assert (await client.post(f"/api/v1/wheels/{wheel_id}/trades", json=trade)).status == 201
    response = await client.get(f"/api/v1/wheels/{wheel_id}/trades?format=csv")
    assert response.status == 200 and response.content_type == "text/csv"
    lines = (await response.text()).splitlines()
    assert lines[0].startswith("id,portfolio_id,wheel_id,symbol") and len(lines) == 2
    assert ",KO,put,60.00," in lines[1]


@pytest.mark.parametrize("name", ["\u0000\u0085E\U0001b08bW", "Income\u0000"])
async def test_a_nul_in_a_body_string_is_a_400_not_a_500(client: TestClient, name: str) -> None:
    # Found as POST /api/v1/portfolios {"name": "\u0000\u0085E\ud8ac\udc8bW"} (and the same in PATCH): SQLite's
    # length() stops at a NUL, so the name looked empty to the table's CHECK and the insert failed with a 500.
    error = await error_of(await client.post("/api/v1/portfolios", json={"name": name}), 400, "VALIDATION_ERROR")
    assert "NUL" in error["message"]
    await client.post("/api/v1/portfolios", json={"name": "Income"})
    patched = await client.patch("/api/v1/portfolios/1", json={"name": name, "is_default": True})
    await error_of(patched, 400, "VALIDATION_ERROR")


@pytest.mark.parametrize("name", ["   ", "\t", "\u00a0"])
async def test_a_blank_portfolio_name_is_a_400_not_a_500(client: TestClient, name: str) -> None:
    # Found next to the NUL case: three spaces passed the schema's length check and failed the table's
    # CHECK (length(trim(name)) >= 1) with a 500.
    error = await error_of(await client.post("/api/v1/portfolios", json={"name": name}), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == "name" and error["details"]["constraint"] == "must not be blank"
