"""Issue 18, class 1: every integer field refuses a non-integer and every number has a documented range, in
bodies and query strings; a refused write is a 400 VALIDATION_ERROR naming the field and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from marshmallow import Schema, fields

from tests.conftest import data_of, error_of
from tests.hardening.conftest import Book, Dump
from wheeld.http.app import ROUTE_MODULES
from wheeld.http.schemas.common import Money, MoneyIn, RealNumber, WholeNumber

TRADE = {"direction": "put", "strike": 300, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 410}


async def refused(client: TestClient, dump: Dump, method: str, path: str, field: str, **kwargs: Any) -> str:
    """Send a write that must be refused with 400 naming `field`; the database must not change. The message."""
    before = await dump()
    error = await error_of(await client.request(method, path, **kwargs), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == field, error
    assert field in error["message"], error
    assert await dump() == before
    return error["message"]


@pytest.mark.parametrize(
    ("contracts", "message"),
    [
        (1.5, "contracts: must be a whole number"),  # was truncated to 1 and recorded
        (2.0, "contracts: must be a whole number written without a decimal point (2)"),
        (True, "contracts: must be a whole number, not true or false"),
        ("2", "contracts: must be a whole number, not a string"),
        (1e29, "contracts: must be between 1 and 10000"),
        (2**64, "contracts: must be between 1 and 10000"),
        (0, "contracts: must be between 1 and 10000"),
        (-1, "contracts: must be between 1 and 10000"),
        (None, "contracts: Field may not be null."),
    ],
)
async def test_contracts_must_be_a_whole_number_in_range(
    client: TestClient, book: Book, dump: Dump, contracts: Any, message: str
) -> None:
    path = f"/api/v1/wheels/{book.other_wheel_id}/trades"
    assert await refused(client, dump, "POST", path, "contracts", json={**TRADE, "contracts": contracts}) == message


async def test_a_whole_number_is_still_recorded(client: TestClient, book: Book) -> None:
    path = f"/api/v1/wheels/{book.other_wheel_id}/trades"
    trade = await data_of(await client.post(path, json={**TRADE, "contracts": 2, "total_premium": 820}), 201)
    assert trade["contracts"] == 2


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (
            '{"new": {"strike": 175, "expiration_date": "2027-01-15", "total_premium": 300, "contracts": 1.5}, '
            '"close_cost": 100}',
            "new.contracts",
        ),
        (
            '{"new": {"strike": 1e29, "expiration_date": "2027-01-15", "total_premium": 300}, "close_cost": 100}',
            "new.strike",
        ),
        (
            '{"new": {"strike": 175, "expiration_date": "2027-01-15", "total_premium": 300}, "close_cost": 1e400}',
            "close_cost",
        ),
        (
            '{"new": {"strike": 175, "expiration_date": "2027-01-15", "total_premium": 300}, '
            '"close_cost": 18446744073709551616}',
            "close_cost",
        ),
        (
            '{"new": {"strike": 175, "expiration_date": "2027-01-15", "total_premium": "300"}, "close_cost": 100}',
            "new.total_premium",
        ),
    ],
)
async def test_roll_numbers(client: TestClient, book: Book, dump: Dump, raw: str, field: str) -> None:
    headers = {"Content-Type": "application/json"}
    await refused(client, dump, "POST", f"/api/v1/trades/{book.trade_id}/roll", field, data=raw, headers=headers)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "expired", "stock_price_at_expiry": 2**64}, "stock_price_at_expiry"),
        ({"outcome": "expired", "stock_price_at_expiry": 1e29}, "stock_price_at_expiry"),
        ({"outcome": "expired", "stock_price_at_expiry": "183.20"}, "stock_price_at_expiry"),
        ({"outcome": "closed", "close_cost": True}, "close_cost"),
        ({"outcome": "closed", "close_cost": 60, "fees": -1}, "fees"),
    ],
)
async def test_settle_numbers(client: TestClient, book: Book, dump: Dump, body: dict, field: str) -> None:
    await refused(client, dump, "POST", f"/api/v1/trades/{book.trade_id}/settle", field, json=body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"symbol": "KO", "starting_direction": "call", "shares": 100.5, "cost_basis": 60}, "shares"),
        ({"symbol": "KO", "starting_direction": "call", "shares": 2**64, "cost_basis": 60}, "shares"),
        ({"symbol": "KO", "starting_direction": "call", "shares": "100", "cost_basis": 60}, "shares"),
        ({"symbol": "KO", "capital_allocated": 1e29}, "capital_allocated"),
        ({"symbol": "KO", "capital_allocated": 10**400}, "capital_allocated"),
    ],
)
async def test_wheel_numbers(client: TestClient, book: Book, dump: Dump, body: dict, field: str) -> None:
    await refused(client, dump, "POST", f"/api/v1/portfolios/{book.portfolio_id}/wheels", field, json=body)


async def test_an_integer_of_thousands_of_digits_is_a_400(client: TestClient, book: Book, dump: Dump) -> None:
    # json.loads refuses integers beyond 4300 digits with a ValueError, which was a 500.
    raw = json.dumps({**TRADE, "contracts": 1}).replace('"contracts": 1', '"contracts": 1' + "0" * 5000)
    before = await dump()
    path = f"/api/v1/wheels/{book.other_wheel_id}/trades"
    await error_of(
        await client.post(path, data=raw, headers={"Content-Type": "application/json"}), 400, "VALIDATION_ERROR"
    )
    assert await dump() == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/jobs/price_refresh", {"timeout_seconds": 1.5}, "timeout_seconds"),
        ("/api/v1/jobs/price_refresh", {"timeout_seconds": 2**64}, "timeout_seconds"),
        ("/api/v1/jobs/price_refresh", {"trigger": {"type": "interval", "seconds": 2**64}}, "trigger.seconds"),
        ("/api/v1/jobs/price_refresh", {"trigger": {"type": "interval", "seconds": "300"}}, "trigger.seconds"),
        ("/api/v1/jobs/price_refresh", {"scope": 1.0}, "scope"),
        ("/api/v1/jobs/price_refresh", {"enabled": 1}, "enabled"),
    ],
)
async def test_job_numbers(client: TestClient, book: Book, dump: Dump, path: str, body: dict, field: str) -> None:
    await refused(client, dump, "PATCH", path, field, json=body)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/opportunities/scan", {"min_iv_rank": "20"}, "min_iv_rank"),
        ("/api/v1/opportunities/scan", {"min_iv_rank": 1e308}, "min_iv_rank"),
        ("/api/v1/opportunities/scan", {"top_n": 2.5}, "top_n"),
        ("/api/v1/opportunities/scan", {"min_open_interest": 2**64}, "min_open_interest"),
        ("/api/v1/recommendations", {"wheel_ids": [1.5]}, "wheel_ids.0"),
        ("/api/v1/recommendations", {"portfolio_id": 2**64}, "portfolio_id"),
        ("/api/v1/watchlist", {"symbol": "KO", "portfolio_id": "1"}, "portfolio_id"),
    ],
)
async def test_other_body_numbers(
    client: TestClient, book: Book, dump: Dump, path: str, body: dict, field: str
) -> None:
    await refused(client, dump, "POST", path, field, json=body)


@pytest.mark.parametrize(
    ("query", "field", "constraint"),
    [
        ("page=1.5", "page", "must be a whole number in decimal digits"),
        ("page=%2B1", "page", "must be a whole number in decimal digits"),
        ("page=%201", "page", "must be a whole number in decimal digits"),
        ("page=01", "page", "must be a whole number in decimal digits"),
        ("page=1e3", "page", "must be a whole number in decimal digits"),
        ("page=1_0", "page", "must be a whole number in decimal digits"),
        ("page=1" + "0" * 29, "page", "must be between 1 and 1000000"),
        ("page=1" + "0" * 5000, "page", "must be between 1 and 1000000"),
        ("page=-1" + "0" * 5000, "page", "must be between 1 and 1000000"),
        ("page=1000001", "page", "must be between 1 and 1000000"),
        (f"page_size={2**64}", "page_size", "must be between 1 and 500"),
        ("portfolio_id=%2B1", "portfolio_id", "must be a whole number in decimal digits"),
        (f"wheel_id={2**63}", "wheel_id", "must be between 1 and 9223372036854775807"),
        ("wheel_id=true", "wheel_id", "must be a whole number in decimal digits"),
    ],
)
async def test_query_numbers(client: TestClient, book: Book, query: str, field: str, constraint: str) -> None:
    error = await error_of(await client.get(f"/api/v1/trades?{query}"), 400, "VALIDATION_ERROR")
    assert (error["details"]["field"], error["details"]["constraint"]) == (field, constraint)


async def test_query_digits_are_read(client: TestClient, book: Book) -> None:
    listed = await data_of(await client.get(f"/api/v1/trades?wheel_id={book.wheel_id}&page=1&page_size=2"))
    assert [t["id"] for t in listed] == [book.trade_id]


def _input_fields() -> list[tuple[str, str, fields.Field]]:
    app = web.Application()
    for module in ROUTE_MODULES:
        module.register(app)
    found: list[tuple[str, str, fields.Field]] = []

    def walk(schema: Schema | type[Schema], prefix: str) -> None:
        for name, field in (schema() if isinstance(schema, type) else schema).fields.items():
            while isinstance(field, fields.List):
                field = field.inner
            if isinstance(field, fields.Nested):
                walk(field.nested, f"{prefix}{name}.")  # type: ignore[arg-type]
            else:
                found.append((type(schema).__name__, prefix + name, field))

    for route in app.router.routes():
        for item in getattr(route.handler, "__schemas__", None) or ():
            walk(item["schema"], f"{route.method} {route.resource.canonical}: ")  # type: ignore[union-attr]
    return found


def test_every_input_number_is_strict_and_bounded() -> None:
    """A meta-test for routes to come: each number a client sends is one of ours, with a range."""
    loose = [
        where
        for _, where, field in _input_fields()
        if (isinstance(field, fields.Number) and not isinstance(field, WholeNumber | RealNumber))
        or (isinstance(field, Money) and not isinstance(field, MoneyIn))
    ]
    assert loose == []


async def test_the_spec_shows_the_ranges(client: TestClient) -> None:
    spec = await (await client.get("/openapi.json")).json()
    definitions = spec.get("definitions") or spec["components"]["schemas"]
    contracts = definitions["TradeCreate"]["properties"]["contracts"]
    assert (contracts["type"], contracts["minimum"], contracts["maximum"]) == ("integer", 1, 10000)
    strike = definitions["TradeCreate"]["properties"]["strike"]
    assert (strike["minimum"], strike["maximum"]) == (0.0, 1_000_000_000.0)
    page = next(p for p in spec["paths"]["/api/v1/trades"]["get"]["parameters"] if p["name"] == "page")
    bounds = page.get("schema", page)  # OpenAPI 3 keeps a parameter's type and range in its schema
    assert (bounds.get("minimum"), bounds.get("maximum")) == (1, 1_000_000)
