"""Local-only safety: Host names (DNS rebinding), Origins of writes, the optional API token, bind warnings."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from wheeld.app import Container
from wheeld.cli_daemon import is_loopback
from wheeld.clock import FrozenClock
from wheeld.http.app import create_app

PORTFOLIOS = "/api/v1/portfolios"
TOKEN = "s3cret-token-0123456789"
ClientFactory = Callable[..., Awaitable[TestClient]]


async def client_with(aiohttp_client: ClientFactory, make_config, clock: FrozenClock, **flags: Any) -> TestClient:
    return await aiohttp_client(create_app(Container.build(make_config(**flags), clock)))


async def names(client: TestClient, headers: dict[str, str] | None = None) -> list[str]:
    return [p["name"] for p in await data_of(await client.get(PORTFOLIOS, headers=headers))]


# --- Host --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8000",
        "localhost.evil.example",
        "127.0.0.1.nip.io",
        "[::2]:8000",
        "0.0.0.0",
    ],
)
async def test_foreign_host_is_forbidden(client: TestClient, host: str) -> None:
    error = await error_of(await client.get("/api/v1/health", headers={"Host": host}), 403, "FORBIDDEN")
    assert "server.allowed_hosts" in error["message"]
    await error_of(await client.get("/docs", headers={"Host": host}), 403, "FORBIDDEN")
    await error_of(await client.post(PORTFOLIOS, json={"name": "x"}, headers={"Host": host}), 403, "FORBIDDEN")
    assert await names(client) == []


@pytest.mark.parametrize(
    "host",
    ["localhost", "localhost:8000", "LOCALHOST:8000", "127.0.0.1", "127.0.0.1:8000", "[::1]:8000", "[::1]"],
)
async def test_loopback_hosts_are_accepted(client: TestClient, host: str) -> None:
    await data_of(await client.get("/api/v1/health", headers={"Host": host}))


async def test_configured_allowed_hosts_are_accepted(
    aiohttp_client: ClientFactory, make_config, clock: FrozenClock
) -> None:
    client = await client_with(aiohttp_client, make_config, clock, server__allowed_hosts=["wheel.lan"])
    await data_of(await client.get("/api/v1/health", headers={"Host": "wheel.lan:8000"}))
    await data_of(await client.get("/api/v1/health", headers={"Host": "WHEEL.LAN"}))
    await error_of(await client.get("/api/v1/health", headers={"Host": "other.lan"}), 403, "FORBIDDEN")


async def test_bind_address_is_an_allowed_host(aiohttp_client: ClientFactory, make_config, clock: FrozenClock) -> None:
    client = await client_with(aiohttp_client, make_config, clock, server__host="192.168.1.20")
    await data_of(await client.get("/api/v1/health", headers={"Host": "192.168.1.20:8000"}))
    await error_of(await client.get("/api/v1/health", headers={"Host": "192.168.1.21"}), 403, "FORBIDDEN")


# --- Origin ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://evil.example",
        "null",
        "http://localhost:3000",  # another local web app, not us
        "https://127.0.0.1:{port}",  # our port, other scheme
        "http://127.0.0.1.evil.example:{port}",
    ],
)
async def test_foreign_origin_cannot_write(client: TestClient, origin: str) -> None:
    origin = origin.format(port=client.port)
    headers = {"Origin": origin}
    error = await error_of(await client.post(PORTFOLIOS, json={"name": "x"}, headers=headers), 403, "FORBIDDEN")
    assert error["details"] == {"origin": origin}
    assert "server.allowed_origins" in error["message"]
    assert await names(client) == []
    created = await data_of(await client.post(PORTFOLIOS, json={"name": "mine"}), 201)
    for method, path, body in [
        ("PATCH", f"{PORTFOLIOS}/{created['id']}", {"name": "hijacked"}),
        ("DELETE", f"{PORTFOLIOS}/{created['id']}", None),
        ("PUT", "/api/v1/config", {"server": {"api_token": "attacker-token"}}),
    ]:
        response = await client.request(method, path, json=body, headers=headers)
        await error_of(response, 403, "FORBIDDEN")
    assert await names(client) == ["mine"]
    assert (await data_of(await client.get("/api/v1/config")))["server"]["api_token"] == ""


async def test_foreign_origin_can_still_read(client: TestClient) -> None:
    await data_of(await client.post(PORTFOLIOS, json={"name": "mine"}), 201)
    assert await names(client, {"Origin": "http://evil.example"}) == ["mine"]


@pytest.mark.parametrize(
    "origin",
    ["http://127.0.0.1:{port}", "http://localhost:{port}", "http://[::1]:{port}", "HTTP://LOCALHOST:{port}"],
)
async def test_same_origin_can_write(client: TestClient, origin: str) -> None:
    """Swagger UI's try-it-out, served by wheeld itself, posts with our own origin."""
    origin = origin.format(port=client.port)
    await data_of(await client.post(PORTFOLIOS, json={"name": "mine"}, headers={"Origin": origin}), 201)


async def test_configured_allowed_origin_can_write(
    aiohttp_client: ClientFactory, make_config, clock: FrozenClock
) -> None:
    client = await client_with(aiohttp_client, make_config, clock, server__allowed_origins=["http://wheel-ui.lan:5173"])
    headers = {"Origin": "http://wheel-ui.lan:5173"}
    await data_of(await client.post(PORTFOLIOS, json={"name": "ui"}, headers=headers), 201)
    await data_of(
        await client.post(PORTFOLIOS, json={"name": "ui2"}, headers={"Origin": "http://wheel-ui.lan:5173/"}),
        201,
    )
    await error_of(
        await client.post(PORTFOLIOS, json={"name": "x"}, headers={"Origin": "http://wheel-ui.lan:5174"}),
        403,
        "FORBIDDEN",
    )


# --- API token ---------------------------------------------------------------------------------------


@pytest.fixture
async def token_client(aiohttp_client: ClientFactory, make_config, clock: FrozenClock) -> TestClient:
    return await client_with(aiohttp_client, make_config, clock, server__api_token=TOKEN)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer wrong-token",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        TOKEN,
        f"Bearer {TOKEN[:-1]}",
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", PORTFOLIOS),
        ("POST", PORTFOLIOS),
        ("GET", "/api/v1/config"),
        ("GET", "/api/v1/system/info"),
        ("GET", "/api/v1/no-such-route"),
    ],
)
async def test_missing_or_wrong_token_is_401(
    token_client: TestClient, authorization: str | None, method: str, path: str
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = await token_client.request(method, path, json={"name": "x"}, headers=headers)
    error = await error_of(response, 401, "UNAUTHORIZED")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert TOKEN not in error["message"] and TOKEN not in str(error["details"])


async def test_correct_token_works_and_health_is_open(token_client: TestClient) -> None:
    await data_of(await token_client.get("/api/v1/health"))
    headers = {"Authorization": f"Bearer {TOKEN}"}
    await data_of(await token_client.post(PORTFOLIOS, json={"name": "A"}, headers=headers), 201)
    await data_of(
        await token_client.post(PORTFOLIOS, json={"name": "B"}, headers={"Authorization": f"bearer {TOKEN}"}),
        201,
    )
    assert await names(token_client, headers) == ["A", "B"]
    config = await data_of(await token_client.get("/api/v1/config", headers=headers))
    assert config["server"]["api_token"] == "********"


async def test_token_is_checked_after_host(token_client: TestClient) -> None:
    """A rebinding page learns nothing about whether a token is set."""
    response = await token_client.get(PORTFOLIOS, headers={"Host": "evil.example"})
    await error_of(response, 403, "FORBIDDEN")
    assert "WWW-Authenticate" not in response.headers


async def test_token_is_compared_in_constant_time(token_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """hmac.compare_digest decides, and a token wrong in its first or in its last character fails alike."""
    compared: list[tuple[bytes, bytes]] = []
    real_compare = hmac.compare_digest

    def spy(given: bytes, expected: bytes) -> bool:
        compared.append((given, expected))
        return real_compare(given, expected)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    wrong_first = chr(ord(TOKEN[0]) + 1) + TOKEN[1:]
    wrong_last = TOKEN[:-1] + chr(ord(TOKEN[-1]) + 1)
    for wrong in (wrong_first, wrong_last):
        assert len(wrong) == len(TOKEN)
        response = await token_client.get(PORTFOLIOS, headers={"Authorization": f"Bearer {wrong}"})
        await error_of(response, 401, "UNAUTHORIZED")
    await data_of(await token_client.get(PORTFOLIOS, headers={"Authorization": f"Bearer {TOKEN}"}))
    assert compared == [(t.encode(), TOKEN.encode()) for t in (wrong_first, wrong_last, TOKEN)]


# --- bind address ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.53", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("10.0.0.1", False),
        ("fe80::1", False),
        ("wheel.lan", False),
        ("", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
