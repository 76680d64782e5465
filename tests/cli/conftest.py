"""CLI fixtures: one real daemon per module (aiohttp's test server on a free port), and a runner that calls
`wheel`'s `run()` in-process in API mode (`--api-url`) or direct mode (the same container's services)."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from tests.conftest import START
from wheeld.app import Container
from wheeld.cli.backend import Backend
from wheeld.cli.direct_backend import DirectBackend
from wheeld.cli.main import run
from wheeld.clock import FrozenClock
from wheeld.config import load_config
from wheeld.http.app import create_app
from wheeld.market_calendar import TradingCalendar

MODES = ("api", "direct")
_names = itertools.count(1)


@dataclass
class Result:
    """What one `wheel` run printed and returned."""

    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        """stdout parsed as JSON."""
        return json.loads(self.out)


@dataclass
class Daemon:
    """A running wheeld: its URL, its container (for direct mode) and its frozen clock."""

    url: str
    container: Container
    clock: FrozenClock

    @property
    def db_path(self) -> Path:
        """The database file it serves."""
        return self.container.config.database_path


async def wheel(*argv: str, backend: Backend | None = None) -> Result:
    """Run `wheel argv…` in this event loop, capturing its output."""
    out, err = io.StringIO(), io.StringIO()
    code = await run(list(argv), out=out, err=err, backend=backend)
    return Result(code, out.getvalue(), err.getvalue())


@dataclass
class Cli:
    """`wheel` against a daemon, in one mode; `portfolio` is prepended as --portfolio when set."""

    daemon: Daemon
    mode: str
    portfolio: str | None = None

    async def __call__(self, *argv: str) -> Result:
        """Run one command; its exit status and output."""
        scope = ("--portfolio", self.portfolio) if self.portfolio else ()
        if self.mode == "api":
            return await wheel("--api-url", self.daemon.url, *scope, *argv)
        return await wheel(*scope, *argv, backend=DirectBackend(self.daemon.container))

    async def ok(self, *argv: str) -> Result:
        """Run a command that must succeed."""
        result = await self(*argv)
        assert result.code == 0, (argv, result)
        assert "Traceback" not in result.err
        return result

    async def data(self, *argv: str) -> Any:
        """Run a command with --json; its data."""
        return (await self.ok("--json", *argv)).json


async def start_daemon(root: Path, calendar: TradingCalendar) -> tuple[Daemon, TestServer]:
    """A daemon on a fresh database under `root`, on a free loopback port."""
    config = load_config(None, data_dir=root, environ={})
    clock = FrozenClock(START)
    container = Container.build(config, clock, calendar)
    server = TestServer(create_app(container), host="127.0.0.1")
    await server.start_server()
    return Daemon(str(server.make_url("")).rstrip("/"), container, clock), server


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def daemon(tmp_path_factory: pytest.TempPathFactory, xnys: TradingCalendar) -> AsyncIterator[Daemon]:
    """One daemon for the whole module (tests keep apart by working in portfolios of their own)."""
    running, server = await start_daemon(tmp_path_factory.mktemp("wheeld"), xnys)
    yield running
    await server.close()


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """API mode, then direct mode."""
    return request.param


@pytest_asyncio.fixture(loop_scope="module")
async def cli(daemon: Daemon, mode: str) -> Cli:
    """`wheel` in this test's mode, inside a portfolio of its own."""
    name = f"P{next(_names)}-{mode}"
    created = await Cli(daemon, "api").data("portfolio", "create", name, "--capital", "50000")
    assert created["name"] == name
    return Cli(daemon, mode, portfolio=name)
