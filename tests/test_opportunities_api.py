"""Opportunity scans over HTTP on the simulated provider at the fixed test date.

S011 is the watchlist symbol with earnings inside the window (its simulated report is on 2026-11-25,
the day after the test date, before every expiration); AAPL, KO, SPY and JPM report in 2027.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from wheeld.app import Container

WATCHED = ("AAPL", "KO", "SPY", "JPM", "S011")


async def watch(client: TestClient, *symbols: str, **extra: Any) -> None:
    for symbol in symbols:
        await data_of(await client.post("/api/v1/watchlist", json={"symbol": symbol, **extra}), 201)


async def scan(client: TestClient, status: int = 201, **criteria: Any) -> dict[str, Any]:
    return await data_of(await client.post("/api/v1/opportunities/scan", json=criteria), status)


async def test_a_penalty_bigger_than_any_score_puts_earnings_last(client: TestClient) -> None:
    await watch(client, *WATCHED)
    # Every part is at least 0 and the parts add up to at most 100: a 100-point penalty must rank last.
    result = await scan(client, earnings_penalty=100, min_open_interest=0, max_spread_pct=200)
    ranked = result["opportunities"]
    assert [o["rank"] for o in ranked] == [1, 2, 3, 4, 5]
    assert ranked[-1]["symbol"] == "S011" and ranked[-1]["score_parts"]["earnings"] == -100.0
    assert "EARNINGS_BEFORE_EXPIRATION" in {w["code"] for w in ranked[-1]["warnings"]}
    assert all(o["score_parts"]["earnings"] == 0.0 for o in ranked[:-1])
    scores = [o["score"] for o in ranked]
    assert scores == sorted(scores, reverse=True)
    for o in ranked:
        assert o["score"] == pytest.approx(sum(o["score_parts"].values()), abs=0.011)
        assert o["direction"] == "put" and o["wheel_id"] is None and o["scan_id"] == result["scan"]["id"]
    scan_record = result["scan"]
    assert (scan_record["trigger"], scan_record["candidates"], scan_record["count"]) == ("manual", 5, 5)
    assert scan_record["criteria"]["earnings_penalty"] == 100.0 and scan_record["criteria"]["earnings"] == "penalize"
    assert scan_record["excluded"] == [] and "realized volatility" in scan_record["iv_rank_method"]


async def test_earnings_can_exclude_and_criteria_filter(client: TestClient) -> None:
    await watch(client, *WATCHED)
    result = await scan(client, earnings="exclude", min_open_interest=0, max_spread_pct=200)
    assert "S011" not in {o["symbol"] for o in result["opportunities"]}
    (excluded,) = result["scan"]["excluded"]
    assert excluded["symbol"] == "S011" and excluded["reason"].startswith("earnings before the")
    strict = await scan(client, min_annualized_yield_pct=1000, top_n=3)
    assert strict["opportunities"] == [] and len(strict["scan"]["excluded"]) == 5
    assert all("annualized yield" in e["reason"] for e in strict["scan"]["excluded"])
    best_two = await scan(client, top_n=2, min_open_interest=0, max_spread_pct=200)
    assert [o["rank"] for o in best_two["opportunities"]] == [1, 2] and best_two["scan"]["count"] == 2


async def test_get_returns_the_latest_scan_best_first(client: TestClient) -> None:
    assert await data_of(await client.get("/api/v1/opportunities")) == []
    await watch(client, "AAPL", "KO", "SPY")
    await scan(client, top_n=1)
    latest = await scan(client)
    body = await (await client.get("/api/v1/opportunities?page_size=2")).json()
    assert body["pagination"] == {"page": 1, "page_size": 2, "total_items": 3, "total_pages": 2}
    listed = body["data"]
    assert listed == latest["opportunities"][:2]
    assert {o["scanned_at"] for o in listed} == {latest["scan"]["finished_at"]} == {"2026-11-24T15:00:00Z"}
    assert listed[0]["score"] >= listed[1]["score"]
    assert set(listed[0]) >= {"score", "score_parts", "strike", "expiration_date", "premium", "iv_rank", "trend"}


async def test_wheels_in_cash_are_candidates(client: TestClient) -> None:
    pid = (await data_of(await client.post("/api/v1/portfolios", json={"name": "P"}), 201))["id"]
    body = {"symbol": "KO", "capital_allocated": 5000}
    ko = (await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json=body), 201))["id"]
    busy = await data_of(await client.post(f"/api/v1/portfolios/{pid}/wheels", json={"symbol": "MSFT"}), 201)
    trade = {"direction": "put", "strike": 500, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 900}
    await data_of(await client.post(f"/api/v1/wheels/{busy['id']}/trades", json=trade), 201)
    await watch(client, "KO", "SPY")  # the global KO entry is covered by the wheel
    result = await scan(client, min_open_interest=0, max_spread_pct=200)
    by_symbol = {o["symbol"]: o for o in result["opportunities"]}
    assert set(by_symbol) == {"KO", "SPY"} and result["scan"]["candidates"] == 2
    assert (by_symbol["KO"]["wheel_id"], by_symbol["KO"]["portfolio_id"]) == (ko, pid)
    # 5,000 of capital cannot secure a 66 put (6,600)
    assert "INSUFFICIENT_CAPITAL" in {w["code"] for w in by_symbol["KO"]["warnings"]}
    scoped = await scan(client, portfolio_id=pid)
    assert scoped["scan"]["portfolio_id"] == pid


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"profile": "yolo"}, "profile"),
        ({"earnings": "ignore"}, "earnings"),
        ({"top_n": 0}, "top_n"),
        ({"min_iv_rank": 101}, "min_iv_rank"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_scan_criteria_are_validated(client: TestClient, body: dict[str, Any], field: str) -> None:
    error = await error_of(await client.post("/api/v1/opportunities/scan", json=body), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == field


async def test_scan_of_an_unknown_portfolio_is_404(client: TestClient) -> None:
    await error_of(await client.post("/api/v1/opportunities/scan", json={"portfolio_id": 99}), 404, "NOT_FOUND")


async def test_the_core_job_scans_and_notifies(
    client: TestClient, container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    await watch(client, "AAPL", "SPY")
    await data_of(await client.put("/api/v1/config", json={"recommendations": {"notify_top_n": 1}}))
    with caplog.at_level(logging.INFO, logger="wheeld.alerts"):
        await data_of(await client.post("/api/v1/jobs/opportunity_scan/run"), 202)
        await container.supervisor.wait_idle()
    runs = await data_of(await client.get("/api/v1/jobs/opportunity_scan/runs"))
    assert runs[0]["status"] == "success"
    assert runs[0]["summary"].startswith("scanned 2 candidates: 2 ranked, 0 left out; best ")
    listed = await data_of(await client.get("/api/v1/opportunities"))
    assert len(listed) == 2
    (notified,) = [r.getMessage() for r in caplog.records if "opportunities" in r.getMessage()]
    assert f"top 1 of opportunity scan {listed[0]['scan_id']}: 1. {listed[0]['symbol']} put" in notified
    scans = await container.opportunities.get_scan(listed[0]["scan_id"])
    assert scans["scan"]["trigger"] == "schedule"
