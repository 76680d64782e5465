"""Trade history: filters, sort, pagination and CSV over a few hundred trades; bad filters are 400s."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from tests.conftest import data_of, error_of

SYMBOLS = ["AAPL", "MSFT", "KO", "BRK.B"]


@pytest.fixture
async def history(client) -> dict:
    """Two portfolios, 4 wheels each, 300 settled/open trades with known outcomes and dates."""
    ids = {}
    for name in ("Income", "Growth"):
        p = await data_of(await client.post("/api/v1/portfolios", json={"name": name}), 201)
        for symbol in SYMBOLS:
            w = await data_of(
                await client.post(
                    f"/api/v1/portfolios/{p['id']}/wheels",
                    json={"symbol": symbol, "capital_allocated": 100000},
                ),
                201,
            )
            ids[(name, symbol)] = w["id"]
    start = date(2026, 1, 5)
    count = 0
    for i in range(300):
        wid = ids[list(ids)[i % len(ids)]]
        opened = start + timedelta(days=i // 8)
        trade = await data_of(
            await client.post(
                f"/api/v1/wheels/{wid}/trades",
                json={
                    "direction": "put",
                    "strike": 50 + i % 7,
                    "expiration_date": (opened + timedelta(days=7)).isoformat(),
                    "contracts": 1,
                    "total_premium": 100 + i,
                    "opened_at": f"{opened.isoformat()}T15:00:00Z",
                },
            ),
            201,
        )
        count += 1
        if i < 292:  # the last trade of each wheel stays open
            outcome = "expired" if i % 3 else "closed"
            body = {"outcome": outcome, "settled_at": f"{(opened + timedelta(days=7)).isoformat()}T21:00:00Z"}
            if outcome == "closed":
                body["close_cost"] = 50
            await data_of(await client.post(f"/api/v1/trades/{trade['id']}/settle", json=body))
    return {"wheels": ids, "count": count}


async def test_pagination_covers_everything_once(client, history) -> None:
    seen = []
    page = 1
    while True:
        body = await (await client.get(f"/api/v1/trades?page={page}&page_size=70&sort=-opened_at")).json()
        seen += [t["id"] for t in body["data"]]
        if page >= body["pagination"]["total_pages"]:
            break
        page += 1
    assert body["pagination"]["total_items"] == 300 and len(seen) == 300 == len(set(seen))


async def test_sort_ties_break_by_id_in_the_same_direction(client, history) -> None:
    body = await (await client.get("/api/v1/trades?sort=-strike&page_size=500")).json()
    keys = [(t["strike"], t["id"]) for t in body["data"]]
    assert keys == sorted(keys, reverse=True)


async def test_filters(client, history) -> None:
    portfolios = await (await client.get("/api/v1/portfolios")).json()
    income = portfolios["data"][0]["id"]
    body = await (await client.get(f"/api/v1/trades?portfolio_id={income}&symbol=brk.b&page_size=500")).json()
    assert body["pagination"]["total_items"] == 300 // 8 + (1 if 300 % 8 > 3 else 0)
    assert {t["symbol"] for t in body["data"]} == {"BRK.B"}
    open_only = await (await client.get("/api/v1/trades?outcome=open")).json()
    assert open_only["pagination"]["total_items"] == 8
    closed = await (await client.get("/api/v1/trades?outcome=closed,open&page_size=500")).json()
    assert closed["pagination"]["total_items"] == len([i for i in range(292) if i % 3 == 0]) + 8
    ranged = await (await client.get("/api/v1/trades?start=2026-01-05&end=2026-01-05")).json()
    assert ranged["pagination"]["total_items"] == 8  # opened that day (none settled that day)
    wid = history["wheels"][("Growth", "KO")]
    per_wheel = await (await client.get(f"/api/v1/wheels/{wid}/trades?page_size=500")).json()
    assert {t["wheel_id"] for t in per_wheel["data"]} == {wid}
    direction = await (await client.get("/api/v1/trades?direction=call")).json()
    assert direction["pagination"]["total_items"] == 0


@pytest.mark.parametrize(
    "query",
    [
        "outcome=won",
        "start=2026-13-01",
        "end=yesterday",
        "sort=premium",
        "sort=-nope",
        "page_size=501",
        "page=0",
        "direction=straddle",
        "portfolio_id=abc",
        "symbol=$$$",
        "format=xml",
        "start=2026-02-01&end=2026-01-01",
        "bogus=1",
    ],
)
async def test_bad_filters_are_400(client, query: str) -> None:
    await error_of(await client.get(f"/api/v1/trades?{query}"), 400, "VALIDATION_ERROR")


async def test_unknown_wheel_history_is_404(client) -> None:
    await error_of(await client.get("/api/v1/wheels/999/trades"), 404, "NOT_FOUND")


async def test_csv_export_streams_the_whole_selection(client, history) -> None:
    response = await client.get("/api/v1/trades?format=csv&outcome=expired&sort=id")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert 'filename="wheeld-trades-' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    expected = len([i for i in range(292) if i % 3])
    assert len(rows) == expected
    assert [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)
    first = rows[0]
    assert first["outcome"] == "expired" and first["expiration_date"].count("-") == 2
    assert first["total_premium"] == "101.00" and first["close_cost"] == ""
    json_total = await (await client.get("/api/v1/trades?outcome=expired")).json()
    assert json_total["pagination"]["total_items"] == expected


async def test_csv_of_nothing_is_a_header(client) -> None:
    text = await (await client.get("/api/v1/trades?format=csv")).text()
    assert text.splitlines() == [text.splitlines()[0]] and text.startswith("id,portfolio_id,wheel_id,symbol")
