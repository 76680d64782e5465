"""Fixtures for the plugin tests: plugin files in the data dir's plugins/, and fake installed distributions."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wheeld.config import Config

WritePlugin = Callable[[str, str], Path]
Distribute = Callable[[str, str, str], None]

# A plugin that exercises the context: records, market data, the store, alerts, both hooks.
PROBE = """
from marshmallow import Schema, fields
from wheeld.plugins import Plugin, every


class ProbeConfig(Schema):
    symbol = fields.String(load_default="AAPL")
    threshold = fields.Float(load_default=1.0)


class Probe(Plugin):
    name = "probe"
    version = "2.0.0"
    description = "Reads everything a plugin may read"
    default_schedule = every(minutes=30)
    config_schema = ProbeConfig

    async def execute(self, ctx):
        quote = await ctx.quote(ctx.config["symbol"])
        runs = await ctx.store.get("runs", 0) + 1
        await ctx.store.set("runs", runs)
        await ctx.alert(
            f"price:{quote.symbol}", f"{quote.symbol} at {quote.price}", severity="LOW", symbol=quote.symbol
        )
        return {
            "portfolios": len(await ctx.portfolios()),
            "wheels": len(await ctx.wheels()),
            "positions": len(await ctx.open_positions()),
            "symbols": await ctx.symbols(),
            "runs": runs,
            "trigger": ctx.trigger,
            "today": ctx.today().isoformat(),
        }

    async def on_success(self, ctx, result):
        await ctx.store.set("last_result", result)
"""

FAILING = """
import asyncio
from wheeld.plugins import Plugin, every


class Failing(Plugin):
    name = "failing"
    default_schedule = every(hours=1)

    async def execute(self, ctx):
        raise RuntimeError("the broker said no")

    async def on_failure(self, ctx, error):
        await ctx.store.set("failure", f"{type(error).__name__}: {error}")


class Hanging(Plugin):
    name = "hanging"
    default_schedule = every(hours=1)
    timeout_seconds = 60

    async def execute(self, ctx):
        await asyncio.sleep(3600)
"""


@pytest.fixture
def plugin_dir(config: Config) -> Path:
    """The data dir's plugins/ (the default `plugins.directory`), created."""
    directory = config.data_dir / "plugins"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def write_plugin(plugin_dir: Path) -> WritePlugin:
    """Write `<stem>.py` into the plugins directory (dedented) and return its path."""

    def write(stem: str, source: str) -> Path:
        path = plugin_dir / f"{stem}.py"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    return write


@pytest.fixture
def distribute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Distribute]:
    """Install a fake distribution on sys.path: a module and a `wheeld.plugins` entry point naming it.

    `distribute(dist_name, module_source, entry_point_line)`, e.g. `("probe-pkg", source, "probe = probe_pkg:Probe")`;
    the module is `<dist_name with _>.py`.
    """
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    modules: list[str] = []

    def install(dist_name: str, module_source: str, entry_point: str) -> None:
        module = dist_name.replace("-", "_")
        (site / f"{module}.py").write_text(textwrap.dedent(module_source), encoding="utf-8")
        info = site / f"{module}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: 1.0\n", encoding="utf-8")
        (info / "entry_points.txt").write_text(f"[wheeld.plugins]\n{entry_point}\n", encoding="utf-8")
        modules.append(module)

    yield install
    for module in modules:
        sys.modules.pop(module, None)
