"""Health says where market data come from; a provider without credentials degrades health, never the server."""

from __future__ import annotations

from tests.conftest import data_of
from wheeld.app import Container
from wheeld.http.app import create_app


async def test_health_reports_simulated_market_data(client) -> None:
    health = await data_of(await client.get("/api/v1/health"))
    market = health["components"]["market_data"]
    assert market["simulated"] is True and health["status"] == "ok"


async def test_schwab_without_token_degrades_but_serves(aiohttp_client, make_config, clock, xnys) -> None:
    config = make_config(
        market_data__provider="schwab",
        external_apis__schwab__app_key="k" * 32,
        external_apis__schwab__app_secret="s" * 16,
    )
    client = await aiohttp_client(create_app(Container.build(config, clock, xnys)))
    response = await client.get("/api/v1/health")
    body = await response.json()
    assert response.status == 200, body
    assert body["data"]["status"] == "degraded", body
    assert body["data"]["components"]["market_data"]["status"] in {"degraded", "down"}
    assert body["data"]["components"]["database"]["status"] == "ok"
    portfolios = await client.get("/api/v1/portfolios")
    assert portfolios.status == 200
