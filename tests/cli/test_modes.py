"""Choosing the mode: --db (direct on a file), the configuration file, the fallback, and direct mode refusing
to write behind a running daemon's back."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from tests.cli.conftest import wheel
from wheeld.app import Container
from wheeld.clock import FrozenClock
from wheeld.config import Config
from wheeld.http.app import create_app
from wheeld.market_calendar import TradingCalendar
from wheeld.services.listing import Page

ServerFactory = Callable[..., Awaitable[TestServer]]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _settings(tmp_path: Path, text: str) -> str:
    path = tmp_path / "wheel.yaml"
    path.write_text(text)
    return str(path)


async def test_db_works_directly_on_a_file(tmp_path: Path) -> None:
    db = tmp_path / "mine.db"
    started = await wheel("--db", str(db), "--portfolio", "Solo", "init", "AAPL", "--capital", "5000")
    assert started.code == 0, started
    assert "created portfolio 'Solo'" in started.err and "Started AAPL in Solo" in started.out
    recorded = await wheel("--db", str(db), "record", "AAPL", "put", "--strike", "150", "--expiration", "2026-12-18",
                           "--premium", "1.5")  # fmt: skip
    assert recorded.code == 0, recorded
    listed = await wheel("--db", str(db), "--json", "list")
    [row] = listed.json
    assert (row["symbol"], row["state"], row["open_trade"]["total_premium"]) == ("AAPL", "short_put", 150.0)
    health = await wheel("--db", str(db), "health")
    assert f"(direct mode, {db.resolve()}): " in health.out


async def test_direct_mode_reads_but_refuses_to_write_under_a_running_daemon(
    aiohttp_server: ServerFactory, container: Container, config: Config
) -> None:
    server = await aiohttp_server(create_app(container))
    url = str(server.make_url("")).rstrip("/")
    await container.portfolios.create("Main", "", 0)
    db = str(config.database_path)
    read = await wheel("--api-url", url, "--db", db, "--json", "portfolio", "list")
    assert read.code == 0 and [p["name"] for p in read.json] == ["Main"]
    write = await wheel("--api-url", url, "--db", db, "init", "AAPL", "--capital", "1000")
    assert write.code == 1
    assert write.err.startswith(f"error: a wheeld daemon at {url} is serving {db}. Direct mode only reads")
    assert "use API mode" in write.err
    assert (await container.wheels.list({}, Page())).total == 0  # nothing was written


async def test_fallback_to_direct_only_when_configured(tmp_path: Path) -> None:
    down = f"http://127.0.0.1:{_closed_port()}"
    data = tmp_path / "data"
    plain = _settings(tmp_path, f"api:\n  base_url: {down}\n")
    assert (await wheel("--config", plain, "list")).code == 3

    falling = _settings(tmp_path, f"api:\n  base_url: {down}\nfallback_to_direct: true\ndirect:\n  data_dir: {data}\n")
    result = await wheel("--config", falling, "--portfolio", "Mine", "init", "KO", "--capital", "1000")
    assert result.code == 0, result
    assert f"wheel: wheeld is not running at {down}; using direct mode on {data / 'wheeld.db'}" in result.err
    assert "(fallback_to_direct: true)" in result.err
    assert (await wheel("--config", falling, "--api-mode", "list")).code == 3  # asked for API mode: no fallback


async def test_direct_mode_by_configuration(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = _settings(tmp_path, f"api:\n  enabled: false\ndirect:\n  data_dir: {data}\ndefault_portfolio: Home\n")
    result = await wheel("--config", settings, "init", "KO", "--capital", "1000")
    assert result.code == 0 and "Started KO in Home" in result.out
    assert (data / "wheeld.db").is_file()


async def test_the_api_token_comes_from_the_configuration(
    aiohttp_server: ServerFactory,
    make_config: Callable[..., Config],
    clock: FrozenClock,
    xnys: TradingCalendar,
    tmp_path: Path,
) -> None:
    config = make_config(server__api_token="s3cret-token")
    server = await aiohttp_server(create_app(Container.build(config, clock, xnys)))
    url = str(server.make_url("")).rstrip("/")
    refused = await wheel("--api-url", url, "portfolio", "list")
    assert refused.code == 1 and refused.err.startswith("error: UNAUTHORIZED: ")
    settings = _settings(tmp_path, f"api:\n  base_url: {url}\n  token: s3cret-token\n")
    assert (await wheel("--config", settings, "portfolio", "list")).code == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("api: [1, 2]\n", "api: must be a section of keys (api.enabled, api.base_url"),
        ("api:\n  timeout: -1\n", "api.timeout: must be a positive number"),
        ("fallback_to_direct: maybe\n", "fallback_to_direct: must be true or false"),
        ("api:\n  base_url: ftp://x\n", "api.base_url: must be an http:// or https:// URL"),
        ("- a list\n", "must be a YAML mapping"),
    ],
)
async def test_a_bad_configuration_file_is_a_usage_error(tmp_path: Path, text: str, problem: str) -> None:
    result = await wheel("--config", _settings(tmp_path, text), "list")
    assert result.code == 2 and problem in result.err, result


async def test_db_on_the_old_tools_file_points_to_the_migration(tmp_path: Path) -> None:
    legacy = tmp_path / "trades.db"
    conn = sqlite3.connect(legacy)
    conn.execute("CREATE TABLE wheels (id INTEGER PRIMARY KEY, symbol TEXT UNIQUE, state TEXT)")
    conn.close()
    result = await wheel("--db", str(legacy), "list")
    assert result.code == 1 and "is not a wheeld database" in result.err and "wheeld migrate-legacy" in result.err
    assert "Traceback" not in result.err
