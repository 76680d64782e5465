"""What a plugin run is given: `PluginContext` (read access, market data, alerts, a logger) and `PluginStore`.

The context exposes services' read methods only: a plugin never gets a database connection, and it
changes nothing but its own key-value store and the alerts it raises. Money in the records (strikes,
premiums, capital, current prices of positions) is integer cents, as everywhere inside wheeld; market
data (quotes, chains, bars) are floats in dollars, as the provider gave them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from wheeld.clock import Clock, utc_iso_fixed
from wheeld.db import plugins as repo
from wheeld.db.connection import Database
from wheeld.errors import ValidationError
from wheeld.marketdata.models import Direction, DividendEvent, EarningsEvent, OptionChain, PriceBar, Quote
from wheeld.marketdata.service import MarketData
from wheeld.services.alerts import AlertService
from wheeld.services.listing import MAX_PAGE_SIZE, Page
from wheeld.services.portfolios import PortfolioService
from wheeld.services.positions import PositionService
from wheeld.services.watchlist import WatchlistService
from wheeld.services.wheels import WheelService

MAX_KEY_CHARS = 200
# A plugin's memory, not a data store: a year of daily figures for a few hundred symbols fits.
MAX_VALUE_BYTES = 64 * 1024
# Room for the `plugin:<name>:` prefix inside the alerts table's 200-character condition key.
MAX_ALERT_KEY_CHARS = 120


@dataclass(frozen=True)
class PluginServices:
    """The services plugin contexts read through, built once by the composition root."""

    clock: Clock
    db: Database  # only for PluginStore's own table; never handed to a plugin
    portfolios: PortfolioService
    wheels: WheelService
    positions: PositionService
    watchlist: WatchlistService
    market: MarketData
    alerts: AlertService


class PluginStore:
    """A plugin's own key-value store in SQLite: JSON values under text keys, kept across runs and restarts."""

    def __init__(self, db: Database, clock: Clock, plugin: str) -> None:
        self._db = db
        self._clock = clock
        self._plugin = plugin

    async def get(self, key: str, default: Any = None) -> Any:
        """The value stored under `key`, or `default` when there is none."""
        text = await repo.kv_get(self._db.reader, self._plugin, _checked_key(key))
        return default if text is None else json.loads(text)

    async def set(self, key: str, value: Any) -> None:
        """Store a JSON-able value (None, bool, number, text, list, mapping; at most 64 KiB) under `key`."""
        key = _checked_key(key)
        try:
            text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValidationError.field("value", repr(value)[:80], f"must be JSON-able: {exc}") from None
        if len(text.encode()) > MAX_VALUE_BYTES:
            raise ValidationError.field("value", f"{len(text)} characters", f"must be at most {MAX_VALUE_BYTES} bytes")
        async with self._db.transaction(bookkeeping=True) as conn:
            await repo.kv_set(conn, self._plugin, key, text, utc_iso_fixed(self._clock.now()))

    async def delete(self, key: str) -> bool:
        """Remove `key`; False when it was not there."""
        key = _checked_key(key)
        async with self._db.transaction(bookkeeping=True) as conn:
            return bool(await repo.kv_delete(conn, self._plugin, key))


def _checked_key(key: str) -> str:
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_CHARS:
        raise ValidationError.field("key", key, f"must be a string of 1-{MAX_KEY_CHARS} characters")
    return key


class PluginContext:
    """One run's view of wheeld: records (read-only), market data through the cache, alerts, a store, a logger."""

    def __init__(
        self,
        name: str,
        config: Mapping[str, Any],
        services: PluginServices,
        *,
        run_id: int | None = None,
        trigger: str | None = None,
    ) -> None:
        self._name = name
        self._config = MappingProxyType(dict(config))
        self._services = services
        self._run_id = run_id
        self._trigger = trigger
        self._logger = logging.getLogger(f"wheeld.plugins.{name}")
        self._store = PluginStore(services.db, services.clock, name)

    # --- who, when, with what settings -----------------------------------------------------------

    @property
    def name(self) -> str:
        """The plugin's name."""
        return self._name

    @property
    def config(self) -> Mapping[str, Any]:
        """The plugin's settings, validated by its `config_schema` with defaults filled in (read-only)."""
        return self._config

    @property
    def logger(self) -> logging.Logger:
        """The plugin's logger, `wheeld.plugins.<name>` (goes to wheeld's log, secrets redacted)."""
        return self._logger

    @property
    def store(self) -> PluginStore:
        """The plugin's key-value store (`await ctx.store.get/set/delete`)."""
        return self._store

    @property
    def clock(self) -> Clock:
        """wheeld's clock (frozen in tests): `now()`, `today_ny()`, `now_ny()`."""
        return self._services.clock

    @property
    def run_id(self) -> int | None:
        """The id of this run in the job's run history (None when run outside the scheduler)."""
        return self._run_id

    @property
    def trigger(self) -> str | None:
        """What started this run: `schedule`, `manual`, or None outside the scheduler."""
        return self._trigger

    def now(self) -> datetime:
        """Now, as an aware UTC datetime from wheeld's clock."""
        return self._services.clock.now()

    def today(self) -> date:
        """Today's date in New York (the market's date)."""
        return self._services.clock.today_ny()

    # --- records (read-only) ---------------------------------------------------------------------

    async def portfolios(self) -> list[dict[str, Any]]:
        """Every portfolio (id, name, description, default_capital in cents, is_default, ...)."""
        return await _every_page(lambda page: self._services.portfolios.list(page))

    async def wheels(self, portfolio_id: int | None = None, *, include_archived: bool = False) -> list[dict[str, Any]]:
        """The active wheels (of one portfolio when given; archived ones too with `include_archived`)."""
        filters: dict[str, Any] = {"portfolio_id": portfolio_id, "archived": "all" if include_archived else "false"}
        return await _every_page(lambda page: self._services.wheels.list(filters, page))

    async def open_positions(self, portfolio_id: int | None = None) -> list[dict[str, Any]]:
        """Every open short option with its live status: price, DTE, moneyness, risk level (as /positions)."""
        return await self._services.positions.open_positions({"portfolio_id": portfolio_id})

    async def watchlist(self, portfolio_id: int | None = None) -> list[dict[str, Any]]:
        """Watchlist entries: all of them, or a portfolio's own plus the global ones."""
        return await self._services.watchlist.scan_entries(portfolio_id)

    async def symbols(self, *, include_watchlist: bool = True) -> list[str]:
        """The symbols wheeld follows: every active wheel's (so every open position's) and the watchlist's."""
        found = {wheel["symbol"] for wheel in await self.wheels()}
        if include_watchlist:
            found |= {entry["symbol"] for entry in await self.watchlist()}
        return sorted(found)

    # --- market data (through the shared cache) --------------------------------------------------

    @property
    def simulated(self) -> bool:
        """Whether market data are simulated (say so in what the plugin reports)."""
        return self._services.market.simulated

    async def quote(self, symbol: str) -> Quote:
        """One quote (price, bid, ask, source, as_of, stale); ExternalAPIError when there is none."""
        return await self._services.market.quote(symbol)

    async def quotes(self, symbols: Iterable[str]) -> dict[str, Quote]:
        """Quotes for several symbols in one provider call; unknown symbols are left out."""
        return await self._services.market.quotes(symbols)

    async def chain(
        self,
        symbol: str,
        direction: Direction | None = None,
        min_dte: int | None = None,
        max_dte: int | None = None,
    ) -> OptionChain:
        """The option chain (contracts with bid, ask, mark, delta, iv ...), optionally one side and a DTE window."""
        return await self._services.market.chain(symbol, direction, min_dte, max_dte)

    async def history(self, symbol: str, days: int = 365) -> list[PriceBar]:
        """Daily bars over the last `days` calendar days, oldest first."""
        return await self._services.market.history(symbol, days)

    async def earnings(self, symbols: Sequence[str], start: date, end: date) -> list[EarningsEvent]:
        """Earnings reports from `start` through `end` ([] when no provider has a calendar)."""
        return await self._services.market.earnings(symbols, start, end)

    async def dividends(self, symbols: Sequence[str], start: date, end: date) -> list[DividendEvent]:
        """Ex-dividend dates from `start` through `end` ([] where the provider does not know)."""
        return await self._services.market.dividends(symbols, start, end)

    # --- alerts ----------------------------------------------------------------------------------

    async def alert(
        self,
        key: str,
        message: str,
        *,
        severity: str = "MEDIUM",
        kind: str | None = None,
        symbol: str | None = None,
        trade_id: int | None = None,
        wheel_id: int | None = None,
        portfolio_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Raise an alert through the notifiers unless `key` already has an active one; returns (alert, created).

        `key` names the condition within this plugin (e.g. ``earnings:AAPL:2026-12-01``); the alert's
        condition key is ``plugin:<name>:<key>``, its source ``plugin:<name>``, its kind `kind` (default:
        the plugin's name), its severity LOW, MEDIUM or HIGH.
        """
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_ALERT_KEY_CHARS:
            raise ValidationError.field("key", key, f"must be a string of 1-{MAX_ALERT_KEY_CHARS} characters")
        return await self._services.alerts.raise_alert(
            kind or self._name,
            severity,
            self._condition_key(key),
            message,
            trade_id=trade_id,
            wheel_id=wheel_id,
            portfolio_id=portfolio_id,
            symbol=symbol,
            details=details,
            source=f"plugin:{self._name}",
        )

    async def clear_alert(self, key: str) -> bool:
        """Clear the active alert of `key` (the condition no longer holds); False when it had none."""
        return await self._services.alerts.clear(self._condition_key(key))

    def _condition_key(self, key: str) -> str:
        return f"plugin:{self._name}:{key}"


async def _every_page(load: Any) -> list[dict[str, Any]]:
    """All items of a paged service listing."""
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        paged = await load(Page(page, MAX_PAGE_SIZE))
        items.extend(paged.items)
        if len(items) >= paged.total or not paged.items:
            return items
        page += 1
