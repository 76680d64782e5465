"""Fixtures for the hardening tests: a small book of records, and a full dump of the database to prove a
refused request changed nothing."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import data_of
from wheeld.app import Container

Dump = Callable[[], Awaitable[str]]


@dataclass
class Book:
    """Ids of the records the tests aim at: two wheels, one with an open put."""

    portfolio_id: int
    wheel_id: int
    other_wheel_id: int
    trade_id: int


def _dump(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return "\n".join(db.iterdump())


@pytest.fixture
def dump(container: Container) -> Dump:
    """Every row of the database as SQL (sqlite3's iterdump), read through a connection of its own."""

    async def read() -> str:
        return await asyncio.to_thread(_dump, container.config.database_path)

    return read


@pytest.fixture
async def book(client: TestClient) -> Book:
    """A portfolio, wheel 1 (AAPL) with an open put, wheel 2 (MSFT) in cash."""
    portfolio = await data_of(await client.post("/api/v1/portfolios", json={"name": "Income"}), 201)
    pid = portfolio["id"]
    wheels = f"/api/v1/portfolios/{pid}/wheels"
    aapl = await data_of(await client.post(wheels, json={"symbol": "AAPL", "capital_allocated": 20000}), 201)
    msft = await data_of(await client.post(wheels, json={"symbol": "MSFT", "capital_allocated": 40000}), 201)
    trade = await data_of(
        await client.post(
            f"/api/v1/wheels/{aapl['id']}/trades",
            json={
                "direction": "put",
                "strike": 180,
                "expiration_date": "2026-12-18",
                "contracts": 1,
                "total_premium": 235,
            },
        ),
        201,
    )
    return Book(pid, aapl["id"], msft["id"], trade["id"])


async def raw_request(client: TestClient, head: bytes, body: bytes = b"") -> tuple[int, dict]:
    """Send bytes as they are (what aiohttp's client would never write) to the test server: (status, JSON)."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        writer.write(
            head
            + b"Connection: close\r\n"
            + (f"Content-Length: {len(body)}\r\n" if body else "").encode()
            + b"\r\n"
            + body
        )
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    status_line, _, rest = data.partition(b"\r\n")
    payload = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(payload) if payload.startswith(b"{") else {}
