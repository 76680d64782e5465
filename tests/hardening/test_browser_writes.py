"""Issue 18, class 6: defence in depth for browsers. Without an Origin header, a write whose Sec-Fetch-Site
says another site sent it, or whose Referer names a foreign origin, is refused (403) and changes nothing;
a page of our own origin (the dashboard at `/`) keeps working."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of, error_of
from tests.hardening.conftest import Book, Dump
from wheeld.app import Container
from wheeld.clock import FrozenClock
from wheeld.config import Config
from wheeld.http.app import create_app

PORTFOLIOS = "/api/v1/portfolios"


def writes(book: Book) -> list[tuple[str, str, dict]]:
    return [
        ("POST", PORTFOLIOS, {"name": "planted"}),
        ("PATCH", f"/api/v1/wheels/{book.wheel_id}", {"notes": "changed"}),
        ("DELETE", f"/api/v1/wheels/{book.other_wheel_id}", {}),
        ("PUT", "/api/v1/config", {"risk": {"medium_threshold_pct": 9}}),
        ("POST", f"/api/v1/trades/{book.trade_id}/settle", {"outcome": "expired", "stock_price_at_expiry": 190}),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "Cross-Site"},
        {"Sec-Fetch-Site": "same-site"},  # http://localhost:3000 is same-site to us, yet another origin
        {"Referer": "http://evil.com/attack.html"},
        {"Referer": "http://127.0.0.1:1/page"},
        {"Referer": "https://127.0.0.1:{port}/"},
        {"Referer": "http://127.0.0.1:{port}@evil.com/"},
        {"Referer": "not a url"},
        {"Sec-Fetch-Site": "same-origin", "Referer": "http://evil.com/"},
    ],
)
async def test_a_write_from_another_site_without_origin_is_refused(
    client: TestClient, book: Book, dump: Dump, headers: dict[str, str]
) -> None:
    headers = {k: v.format(port=client.server.port) for k, v in headers.items()}
    before = await dump()
    for method, path, body in writes(book):
        await error_of(await client.request(method, path, json=body, headers=headers), 403, "FORBIDDEN")
    assert await dump() == before


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin"},
        {"Sec-Fetch-Site": "none"},  # typed into the address bar, a bookmark
        {"Referer": "http://127.0.0.1:{port}/"},
        {"Referer": "http://localhost:{port}/dashboard?tab=positions#top"},
        {"Sec-Fetch-Site": "same-origin", "Referer": "http://127.0.0.1:{port}/"},
        {},  # curl, the wheel CLI
    ],
)
async def test_our_own_pages_and_non_browsers_may_write(
    client: TestClient, book: Book, headers: dict[str, str]
) -> None:
    headers = {k: v.format(port=client.server.port) for k, v in headers.items()}
    await data_of(await client.post(PORTFOLIOS, json={"name": "mine"}, headers=headers), 201)
    await data_of(await client.patch(f"/api/v1/wheels/{book.wheel_id}", json={"notes": "ok"}, headers=headers))


async def test_reads_from_another_site_are_not_refused(client: TestClient, book: Book) -> None:
    headers = {"Sec-Fetch-Site": "cross-site", "Referer": "http://evil.com/"}
    await data_of(await client.get(PORTFOLIOS, headers=headers))


async def test_an_allowed_origin_may_write_by_referer(
    aiohttp_client: Callable[..., Awaitable[TestClient]], make_config: Callable[..., Config], clock: FrozenClock
) -> None:
    config = make_config(server__allowed_origins=["http://wheel.lan:3000"])
    client = await aiohttp_client(create_app(Container.build(config, clock)))
    await data_of(
        await client.post(PORTFOLIOS, json={"name": "a"}, headers={"Referer": "http://wheel.lan:3000/x"}), 201
    )
    await error_of(
        await client.post(PORTFOLIOS, json={"name": "b"}, headers={"Referer": "http://wheel.lan:3001/x"}),
        403,
        "FORBIDDEN",
    )
