"""Issue 18, class 3: requests that answered 500 are 4xx in the error envelope, and change nothing: an Origin
that does not parse (on every write), a non-ASCII Authorization, a compressed body, numbers far out of range,
a plugin config nested 500 levels deep."""

from __future__ import annotations

import gzip
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from tests.hardening.conftest import Book, Dump, raw_request
from wheeld.app import Container
from wheeld.clock import FrozenClock
from wheeld.config import Config
from wheeld.http.app import create_app

BAD_ORIGINS = ["http://localhost:99999", "http://[::1", "http://localhost:abc", "http://127.0.0.1:{port}.evil.com"]
TOKEN = "s3cret-token-0123456789"


def _write_routes(app: web.Application, book: Book) -> list[tuple[str, str]]:
    """Every write route of the API, its placeholders filled with records that exist."""
    ids = {"id": str(book.wheel_id), "name": "earnings_alert"}
    routes = []
    for route in app.router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if route.method in {"POST", "PUT", "PATCH", "DELETE"} and canonical.startswith("/api/"):
            routes.append((route.method, re.sub(r"{([^}]+)}", lambda m: ids.get(m.group(1), "1"), canonical)))
    return routes


@pytest.mark.parametrize("origin", BAD_ORIGINS)
async def test_an_origin_that_does_not_parse_is_refused_on_every_write(
    client: TestClient, book: Book, dump: Dump, origin: str
) -> None:
    origin = origin.format(port=client.server.port)
    routes = _write_routes(client.app, book)
    assert len(routes) >= 20
    before = await dump()
    for method, path in routes:
        response = await client.request(method, path, json={}, headers={"Origin": origin})
        error = await error_of(response, 403, "FORBIDDEN")
        assert error["details"] == {"origin": origin}, (method, path)
    assert await dump() == before


async def test_a_non_ascii_authorization_is_a_401(
    aiohttp_client: Callable[..., Awaitable[TestClient]], make_config: Callable[..., Config], clock: FrozenClock
) -> None:
    container = Container.build(make_config(server__api_token=TOKEN), clock)
    client = await aiohttp_client(create_app(container))
    head = "POST /api/v1/portfolios HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    for value in (b"Bearer \xc3\xa9", b"Bearer \xff\xfe", b"Bearer " + TOKEN.encode() + b"\xe9", b"\xe9"):
        status, body = await raw_request(client, head.encode() + b"Authorization: " + value + b"\r\n", b'{"name":"x"}')
        assert (status, body["error"]["code"]) == (401, "UNAUTHORIZED"), value
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert await data_of(await client.get("/api/v1/portfolios", headers=headers)) == []  # nothing written


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(b'{"name": "zipped"}', mtime=0)),
        ("gzip", b'{"name": "not zipped at all"}'),  # undecodable: was a 500 from aiohttp's decoder
        ("deflate", b"\x78\x9c garbage"),
        ("br", b"\x00\x01"),
        ("GZIP", gzip.compress(b'{"name": "zipped"}', mtime=0)),
    ],
    ids=["gzip", "gzip-not-zipped", "deflate-garbage", "br", "GZIP"],
)
async def test_a_compressed_body_is_a_415(
    client: TestClient, book: Book, dump: Dump, encoding: str, body: bytes
) -> None:
    before = await dump()
    head = (
        f"POST /api/v1/portfolios HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Encoding: {encoding}\r\n"
    )
    status, answer = await raw_request(client, head.encode(), body)
    assert (status, answer["error"]["code"]) == (415, "VALIDATION_ERROR")
    assert "Content-Encoding" in answer["error"]["message"]
    assert await dump() == before


async def test_identity_encoding_is_fine(client: TestClient) -> None:
    response = await client.post("/api/v1/portfolios", json={"name": "plain"}, headers={"Content-Encoding": "identity"})
    await data_of(response, 201)


@pytest.mark.parametrize(
    "raw",
    [
        '{"direction": "put", "strike": 1e29, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 1}',
        '{"direction": "put", "strike": 180, "expiration_date": "2026-12-18", "contracts": 1e29, "total_premium": 1}',
        '{"direction": "put", "strike": 180, "expiration_date": "2026-12-18", "contracts": 1, '
        '"total_premium": 18446744073709551616}',
        '{"direction": "put", "strike": 180, "expiration_date": "2026-12-18", "contracts": 1, "total_premium": 1e999}',
        '{"direction": "put", "strike": 180, "expiration_date": "2026-12-18", "contracts": 1, "premium_per_share": '
        "-1e308}",
    ],
)
async def test_numbers_far_out_of_range_are_400(client: TestClient, book: Book, dump: Dump, raw: str) -> None:
    before = await dump()
    response = await client.post(
        f"/api/v1/wheels/{book.other_wheel_id}/trades", data=raw, headers={"Content-Type": "application/json"}
    )
    await error_of(response, 400, "VALIDATION_ERROR")
    assert await dump() == before


def _nested(levels: int) -> dict:
    deep: dict = {"days": 10}
    for _ in range(levels):
        deep = {"inner": deep}
    return deep


@pytest.mark.parametrize("path", ["/api/v1/config", "/api/v1/config/validate"])
async def test_a_plugin_config_nested_500_levels_is_a_400(
    client: TestClient, book: Book, dump: Dump, container: Container, path: str
) -> None:
    file = container.config.data_dir / "config.yaml"
    before = await dump()
    body = {"plugins": {"config": {"earnings_alert": _nested(500)}}}
    method = "PUT" if path == "/api/v1/config" else "POST"
    error = await error_of(await client.request(method, path, json=body), 400, "VALIDATION_ERROR")
    assert error["details"]["field"] == "body" and "deep" in error["message"]
    assert await dump() == before
    assert not Path(file).exists()


async def test_a_plugin_config_of_ordinary_depth_is_stored(client: TestClient, container: Container) -> None:
    body = {"plugins": {"config": {"earnings_alert": _nested(5)}}}
    await data_of(await client.put("/api/v1/config", json=body))
    assert (container.config.data_dir / "config.yaml").is_file()
