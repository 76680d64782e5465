"""Issue 18, class 4: the Host header is a host and an optional port, nothing else, and an absolute-form
request target is judged by the authority it names (RFC 9112 §3.2.2), never by the Host beside it."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from tests.hardening.conftest import Book, Dump, raw_request

PORTFOLIOS = "/api/v1/portfolios"


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1:{port}@evil.com",
        "localhost:{port}@evil.com",
        "evil.com@127.0.0.1:{port}",
        "localhost:99999",
        "localhost:0",
        "localhost:abc",
        "localhost:",
        "localhost:{port}:{port}",
        "[::1",
        "[::1]x",
        "[not-v6]:{port}",
        "127.0.0.1/evil",
        "127.0.0.1:{port}/",
        "local host",
        "localhost.",
        "-localhost",
    ],
)
async def test_a_host_that_is_not_host_and_port_is_refused(
    client: TestClient, book: Book, dump: Dump, host: str
) -> None:
    host = host.format(port=client.server.port)
    error = await error_of(await client.get(PORTFOLIOS, headers={"Host": host}), 400, "VALIDATION_ERROR")
    assert (error["details"]["field"], error["details"]["value"]) == ("Host", host)
    before = await dump()
    await error_of(await client.post(PORTFOLIOS, json={"name": "x"}, headers={"Host": host}), 400, "VALIDATION_ERROR")
    await error_of(
        await client.delete(f"/api/v1/wheels/{book.wheel_id}", headers={"Host": host}), 400, "VALIDATION_ERROR"
    )
    assert await dump() == before


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "[0:0::1]", "LocalHost"])
async def test_loopback_host_and_port_are_served(client: TestClient, host: str) -> None:
    await data_of(await client.get(PORTFOLIOS, headers={"Host": host.format(port=client.server.port)}))


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("http://evil.com/api/v1/portfolios", 403),
        ("http://evil.com:{port}/api/v1/portfolios", 403),
        ("https://evil.com/api/v1/portfolios", 403),
        ("http://127.0.0.1:{port}@evil.com/api/v1/portfolios", 400),
        ("ftp://127.0.0.1/api/v1/portfolios", 400),
    ],
)
async def test_an_absolute_target_is_judged_by_its_own_authority(
    client: TestClient, book: Book, dump: Dump, target: str, status: int
) -> None:
    target = target.format(port=client.server.port)
    code = "FORBIDDEN" if status == 403 else "VALIDATION_ERROR"
    # The Host beside it names us: that used to be enough.
    answer = await raw_request(client, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode())
    assert (answer[0], answer[1]["error"]["code"]) == (status, code)
    before = await dump()
    head = f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n".encode()
    answer = await raw_request(client, head, b'{"name": "rebound"}')
    assert (answer[0], answer[1]["error"]["code"]) == (status, code)
    assert await dump() == before


async def test_an_absolute_target_with_an_impossible_port_never_reaches_the_api(client: TestClient) -> None:
    # aiohttp's request parser refuses it (a plain 400 of its own) before any of our code runs.
    status, _ = await raw_request(
        client, b"DELETE http://127.0.0.1:99999/api/v1/wheels/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    )
    assert status == 400


async def test_an_absolute_target_naming_us_is_served(client: TestClient, book: Book) -> None:
    target = f"http://127.0.0.1:{client.server.port}/api/v1/portfolios"
    # Host is then ignored, as RFC 9112 asks: the target names a host we serve.
    status, body = await raw_request(client, f"GET {target} HTTP/1.1\r\nHost: evil.com\r\n".encode())
    assert status == 200 and [p["id"] for p in body["data"]] == [book.portfolio_id]


async def test_a_foreign_but_well_formed_host_is_still_403(client: TestClient) -> None:
    await error_of(await client.get(PORTFOLIOS, headers={"Host": "evil.com:8000"}), 403, "FORBIDDEN")
