"""CORS: a preflight from an allowed origin is answered (no token needed), answers carry the origin, and a
foreign origin is refused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from wheeld.app import Container
from wheeld.http.app import create_app

APP = "https://wheel.example.net"
TOKEN = "cors-token-0123456789"


async def client_for(aiohttp_client: Callable[..., Awaitable[TestClient]], make_config, clock, xnys) -> TestClient:
    config = make_config(server__allowed_origins=APP, server__api_token=TOKEN)
    return await aiohttp_client(create_app(Container.build(config, clock, xnys)))


def preflight(method: str = "POST") -> dict[str, str]:
    return {
        "Origin": APP,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_preflight_from_an_allowed_origin(aiohttp_client, make_config, clock, xnys) -> None:
    client = await client_for(aiohttp_client, make_config, clock, xnys)
    response = await client.options("/api/v1/portfolios", headers=preflight())
    assert response.status == 204  # no token: a preflight never carries one
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert response.headers["Access-Control-Allow-Methods"] == "GET, POST"
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert response.headers["Access-Control-Max-Age"] == "600"
    by_id = await client.options("/api/v1/trades/7", headers=preflight("PATCH"))
    assert by_id.headers["Access-Control-Allow-Methods"] == "GET, PATCH"


async def test_the_real_request_is_readable_by_that_origin(aiohttp_client, make_config, clock, xnys) -> None:
    client = await client_for(aiohttp_client, make_config, clock, xnys)
    headers = {"Origin": APP, "Authorization": f"Bearer {TOKEN}"}
    created = await client.post("/api/v1/portfolios", json={"name": "Remote"}, headers=headers)
    await data_of(created, 201)
    assert created.headers["Access-Control-Allow-Origin"] == APP
    assert "X-Request-ID" in created.headers["Access-Control-Expose-Headers"]
    # without the token it is still refused, CORS or not
    await error_of(await client.get("/api/v1/portfolios", headers={"Origin": APP}), 401, "UNAUTHORIZED")


async def test_a_foreign_origin_gets_no_cors(aiohttp_client, make_config, clock, xnys) -> None:
    client = await client_for(aiohttp_client, make_config, clock, xnys)
    refused = await client.options("/api/v1/portfolios", headers={**preflight(), "Origin": "https://evil.example"})
    body = await error_of(refused, 403, "FORBIDDEN")
    assert "server.allowed_origins" in body["message"]
    read = await client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert read.status == 200 and "Access-Control-Allow-Origin" not in read.headers


async def test_preflight_of_an_unknown_path_is_not_answered(aiohttp_client, make_config, clock, xnys) -> None:
    client = await client_for(aiohttp_client, make_config, clock, xnys)
    # as any request to an unknown /api path: the token first (401), else 404
    await error_of(await client.options("/api/v1/nothing", headers=preflight()), 401, "UNAUTHORIZED")
