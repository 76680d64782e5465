"""Both modes print the same thing: API mode and direct mode read the same database through the same protocol."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.cli.conftest import Cli, Daemon

pytestmark = pytest.mark.asyncio(loop_scope="module")
EXP = "2026-12-18"
READS = [
    ("list",),
    ("list", "--all", "--archived"),
    ("status",),
    ("status", "--all"),
    ("status", "KO"),
    ("history",),
    ("history", "AAPL", "--outcome", "assigned,closed"),
    ("performance",),
    ("performance", "AAPL", "--period", "30d"),
    ("performance", "--by", "symbols"),
    ("performance", "--by", "portfolios"),
    ("portfolio", "list"),
    ("portfolio", "show"),
    ("recommend", "AAPL"),
    ("recommend",),
    ("trend", "KO"),
    ("snapshot", "list"),
    ("watchlist",),
    ("jobs", "list"),
    ("jobs", "history", "daily_snapshots"),
    ("alerts", "--all"),
    ("export", "trades"),
    ("export", "performance", "--by", "symbols"),
    ("plugins",),
]


@pytest.fixture(scope="module")
def shared() -> str:
    """The portfolio both modes read."""
    return "Shared"


@pytest_asyncio.fixture(loop_scope="module")
async def filled(daemon: Daemon, shared: str) -> Daemon:
    """A portfolio with a finished cycle, an open put with a snapshot, a watched symbol (made once)."""
    api = Cli(daemon, "api", portfolio=shared)
    if shared in [p["name"] for p in await api.data("portfolio", "list")]:
        return daemon
    await api.ok("portfolio", "create", shared, "--capital", "25000")
    await api.ok("init", "AAPL", "--capital", "20000")
    await api.ok("record", "AAPL", "put", "--strike", "230", "--expiration", EXP, "--premium", "3.10", "--fees", "1")
    await api.ok("expire", "AAPL", "--price", "221.5")  # in the money: assigned
    await api.ok("record", "AAPL", "call", "--strike", "240", "--expiration", EXP, "--premium", "1.05")
    await api.ok("close", "AAPL", "--price", "0.25")
    await api.ok("init", "KO", "--capital", "10000", "--profile", "conservative")
    await api.ok("record", "KO", "put", "--strike", "55", "--expiration", EXP, "--total-premium", "61.5")
    await api.ok("snapshot", "take")
    await api.ok("watchlist", "add", "PEP")
    return daemon


@pytest.mark.parametrize("argv", READS, ids=" ".join)
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
async def test_reads_print_the_same_in_both_modes(
    filled: Daemon, shared: str, argv: tuple[str, ...], as_json: bool
) -> None:
    flags = ("--json",) if as_json else ()
    api = await Cli(filled, "api", portfolio=shared)(*flags, *argv)
    direct = await Cli(filled, "direct", portfolio=shared)(*flags, *argv)
    assert (api.code, api.err) == (direct.code, direct.err)
    assert api.out == direct.out
    assert api.out  # something was printed


async def test_health_differs_only_in_the_mode_line(filled: Daemon) -> None:
    api = await Cli(filled, "api")("health")
    direct = await Cli(filled, "direct")("health")
    assert api.out.split("\n", 1)[0].endswith(f"(api mode, {filled.url}): ok")
    assert f"(direct mode, {filled.db_path}): ok" in direct.out
