"""The plugin interface (FR-24): what a plugin declares and the hooks wheeld calls on it.

This module is the plugins' hook specification, in the manner of Datasette's ``hookspecs.py``: every
attribute and method below is documented here and in ``docs/plugins.md``, and a meta-test fails when
one of them is not. A plugin is a subclass of `Plugin` in a ``*.py`` file of the plugins directory, in
a package exposing a ``wheeld.plugins`` entry point, or among the built-ins (``wheeld/builtin_plugins``).
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from marshmallow import Schema

from wheeld.errors import ValidationError
from wheeld.scheduler.jobs import DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS
from wheeld.scheduler.triggers import parse_trigger

if TYPE_CHECKING:
    from wheeld.plugins.context import PluginContext

# Lower-case so `plugin:<name>` is a valid job id; 64 characters leave room for the prefix.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PluginResult = str | Mapping[str, Any] | None


def every(*, seconds: int = 0, minutes: int = 0, hours: int = 0, days: int = 0) -> dict[str, Any]:
    """An interval schedule, e.g. `every(minutes=15)` (60 seconds to 31 days, on a fixed grid)."""
    return {"type": "interval", "seconds": seconds + 60 * minutes + 3600 * hours + 86400 * days}


def cron(expression: str) -> dict[str, Any]:
    """A cron schedule, e.g. `cron("0 8 * * 1-5")`: minute hour day month weekday, New York time."""
    return {"type": "cron", "expression": expression}


class Plugin:
    """Base class of every plugin: declare the class attributes, implement `execute`.

    wheeld makes one instance per plugin when it loads it (no arguments) and calls `execute` on
    every run of the plugin's job, `plugin:<name>`. Runs get the scheduler's timeout, one run at a
    time, and failure isolation: an exception is recorded as the run's failure, never the daemon's.
    """

    name: ClassVar[str] = ""
    """Unique name: a lower-case letter, then up to 63 of a-z, 0-9 and _. The job id is `plugin:<name>`."""

    version: ClassVar[str] = "0.1.0"
    """The plugin's own version, shown by the plugins API."""

    description: ClassVar[str] = ""
    """One line saying what the plugin does (the plugins and jobs APIs show it)."""

    default_schedule: ClassVar[Mapping[str, Any]] = {"type": "interval", "seconds": 3600}
    """When it runs until someone changes it: a job trigger, `{"type": "interval", "seconds": N}` or
    `{"type": "cron", "expression": "m h dom mon dow"}` (New York time)."""

    market_hours_only: ClassVar[bool] = False
    """Whether scheduled runs happen only while the market (XNYS) is open; manual runs always happen."""

    timeout_seconds: ClassVar[int] = DEFAULT_TIMEOUT_SECONDS
    """How long one run may take before the scheduler cancels it and records a timeout."""

    config_schema: ClassVar[type[Schema] | None] = None
    """A marshmallow Schema class for the plugin's settings (fields with `load_default`), or None."""

    async def execute(self, ctx: PluginContext) -> PluginResult:
        """Do one run's work through `ctx`; return a short summary (text or a JSON-able mapping) or None."""
        raise NotImplementedError(f"plugin {self.name!r} does not implement execute(ctx)")

    async def on_success(self, ctx: PluginContext, result: PluginResult) -> None:
        """Called after `execute` returned, with what it returned; raising makes the run a failure."""

    async def on_failure(self, ctx: PluginContext, error: Exception) -> None:
        """Called after `execute` raised, with the exception (not on timeout or shutdown); the run stays a failure."""


def plugin_problem(cls: type[Plugin]) -> str | None:
    """What is wrong with a plugin class (None when it can be loaded)."""
    name = cls.name
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        return f"name {name!r}: must be a lower-case letter, then up to 63 of a-z, 0-9 and _"
    for attribute in ("version", "description"):
        if not isinstance(getattr(cls, attribute), str):
            return f"{attribute}: must be a string"
    try:
        schedule = cls.default_schedule
        parse_trigger(dict(schedule) if isinstance(schedule, Mapping) else schedule)
    except ValidationError as exc:
        return f"default_schedule: {exc.message}"
    if not isinstance(cls.market_hours_only, bool):
        return "market_hours_only: must be true or false"
    timeout = cls.timeout_seconds
    whole = isinstance(timeout, int) and not isinstance(timeout, bool)
    if not whole or not MIN_TIMEOUT_SECONDS <= timeout <= MAX_TIMEOUT_SECONDS:
        return f"timeout_seconds: must be a whole number from {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS}"
    schema = cls.config_schema
    if schema is not None and not (inspect.isclass(schema) and issubclass(schema, Schema)):
        return "config_schema: must be a marshmallow Schema class or None"
    if cls.execute is Plugin.execute:
        return "execute: not implemented"
    for hook in ("execute", "on_success", "on_failure"):
        if not inspect.iscoroutinefunction(getattr(cls, hook)):
            return f"{hook}: must be an async method (async def)"
    return None


def summary_of(result: Any) -> PluginResult:
    """A plugin's result as a run summary: text, a mapping, or None (anything else becomes its text)."""
    if result is None or isinstance(result, str | Mapping):
        return result
    return str(result)


async def run_plugin(plugin: Plugin, ctx: PluginContext) -> PluginResult:
    """One run: `execute`, then `on_success` with its result, or `on_failure` with its error (re-raised)."""
    try:
        result = await plugin.execute(ctx)
    except asyncio.CancelledError:
        # A timeout or shutdown: the scheduler records it; a hook could itself hang past the deadline.
        raise
    except Exception as exc:
        try:
            await plugin.on_failure(ctx, exc)
        except Exception:
            ctx.logger.exception("on_failure raised while handling %s", type(exc).__name__)
        raise
    await plugin.on_success(ctx, result)
    return summary_of(result)
