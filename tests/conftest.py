"""Shared fixtures: a real app on a real SQLite file in a temp dir, with a frozen clock."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from wheeld.app import Container
from wheeld.clock import FrozenClock
from wheeld.config import Config, load_config
from wheeld.http.app import create_app
from wheeld.market_calendar import TradingCalendar, load_xnys

START = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # a Tuesday, 10:00 in New York
# Lines a test wants in the run's closing summary (figures such as requests fuzzed), via config.stash.
SUMMARY_LINES = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print the figures tests left in SUMMARY_LINES (output captured during a test would be lost)."""
    for line in config.stash.get(SUMMARY_LINES, []):
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _no_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may touch the real home directory or the user's data."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for name in list(__import__("os").environ):
        if name.startswith("WHEELD_"):
            monkeypatch.delenv(name)


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """A test that configures logging (serve, setup_logging) must not leak handlers into later tests."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture
def clock() -> FrozenClock:
    """A clock frozen at START."""
    return FrozenClock(START)


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Config]:
    """Build a config in the temp data dir; keyword args are dotted keys with '__' for '.'."""

    def build(file: Path | None = None, environ: dict[str, str] | None = None, **flags: Any) -> Config:
        return load_config(
            file,
            data_dir=tmp_path / "data",
            flags={k.replace("__", "."): v for k, v in flags.items()},
            environ=environ or {},
        )

    return build


@pytest.fixture
def config(make_config: Callable[..., Config]) -> Config:
    """The default config in a temp data dir."""
    return make_config()


@pytest.fixture(scope="session")
def xnys() -> TradingCalendar:
    """The real XNYS calendar, loaded once for the whole test session (about a second)."""
    return load_xnys(date(2015, 1, 1), date(2029, 12, 31))


@pytest.fixture
def container(config: Config, clock: FrozenClock, xnys: TradingCalendar) -> Container:
    """A container over the temp database (opened by the app), on the simulated market."""
    return Container.build(config, clock, xnys)


@pytest.fixture
def scheduled_container(config: Config, xnys: TradingCalendar) -> Container:
    """A container whose scheduler runs (as under `serve`), on a SteppedClock at START: time, and so the
    schedule, moves only when the test calls `container.clock.advance(...)`. The `container` fixture's
    scheduler does not run by itself (manual runs still work)."""
    from tests.scheduler.conftest import SteppedClock

    return Container.build(config, SteppedClock(START), xnys, start_scheduler=True)


@pytest.fixture
async def client(aiohttp_client: Callable[..., Awaitable[TestClient]], container: Container) -> TestClient:
    """A test client talking to the real app."""
    return await aiohttp_client(create_app(container))


async def data_of(response: Any, status: int = 200) -> Any:
    """Assert the status and the success envelope; return `data`."""
    body = await response.json()
    assert response.status == status, body
    assert set(body) >= {"data", "timestamp"}, body
    return body["data"]


async def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the status and the error envelope with `code`; return the error object."""
    body = await response.json()
    assert response.status == status, body
    assert set(body) == {"error", "timestamp"}, body
    assert body["error"]["code"] == code, body
    assert set(body["error"]) == {"code", "message", "details"}
    return body["error"]
