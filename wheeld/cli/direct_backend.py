"""The `Backend` in-process: wheeld's own container and services on the database file (direct mode).

Each method does what its route does — load the request with the route's schema, call the service,
dump with the route's response schema — so `--json` is the same in both modes. Direct mode never runs
the scheduler. It refuses to write while a daemon serves the same database: the daemon's caches only
see its own writes, so a write behind its back would leave it showing stale figures. Reads go ahead
(SQLite's WAL lets them run beside the daemon's writer, and a read changes nothing the daemon holds).
"""

from __future__ import annotations

import asyncio
import csv
import io
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Literal

from marshmallow import Schema
from marshmallow import ValidationError as MarshmallowError

from wheeld.app import Container, load_calendar
from wheeld.cli.backend import JSON, Body, DaemonHoldsDatabase, DatabaseUnusable, Mode, Query
from wheeld.clock import Clock
from wheeld.config import Config
from wheeld.db.migrations import NotAWheeldDatabase, SchemaTooNew
from wheeld.db.totals import Scope
from wheeld.errors import NotFound
from wheeld.http import csv_stream
from wheeld.http.parser import validation_error_callback
from wheeld.http.routes import trades as trade_routes
from wheeld.http.routes import wheels as wheel_routes
from wheeld.http.routes.analytics import METRIC_COLUMNS
from wheeld.http.schemas.alerts import Alert, AlertListQuery, AlertUpdate
from wheeld.http.schemas.analytics import (
    Metrics,
    PerformanceQuery,
    PortfolioMetrics,
    Snapshot,
    SnapshotCreate,
    SnapshotQuery,
    SnapshotRun,
    SymbolMetrics,
    Trend,
    TrendQuery,
)
from wheeld.http.schemas.common import IdPath, PageQuery, numbers_from_text
from wheeld.http.schemas.jobs import Job, JobIdPath, JobRun, JobUpdate, RunStarted
from wheeld.http.schemas.opportunities import Opportunity, ScanCriteria, ScanResult
from wheeld.http.schemas.portfolios import Portfolio, PortfolioCreate, PortfolioSummary, PortfolioUpdate
from wheeld.http.schemas.positions import PositionQuery, PositionStatus
from wheeld.http.schemas.recommendations import BatchEntry, Recommendation, RecommendationBatch
from wheeld.http.schemas.system import Health, SystemInfo
from wheeld.http.schemas.watchlist import (
    WatchlistCreate,
    WatchlistDeleteQuery,
    WatchlistEntry,
    WatchlistQuery,
    WatchlistSymbolPath,
)
from wheeld.http.schemas.wheels import (
    Roll,
    RollResult,
    Settle,
    SettleResult,
    Trade,
    TradeCreate,
    TradeCreated,
    TradeListQuery,
    Wheel,
    WheelCreate,
    WheelListQuery,
    WheelUpdate,
)
from wheeld.services.listing import MAX_PAGE_SIZE, Page, Paged
from wheeld.services.performance import period_scope

WriteGuard = Callable[[], Awaitable[str | None]]
_COLUMNS = {"portfolios": ("portfolio_name", *METRIC_COLUMNS), "symbols": ("rank", *METRIC_COLUMNS)}
_RUN_POLL_SECONDS = 0.05


def _load(schema: Schema, data: Mapping[str, Any], location: str = "json") -> dict[str, Any]:
    """Validate a request part as the daemon does, with its 400 VALIDATION_ERROR on bad input."""
    try:
        if location == "json":
            return schema.load(dict(data))
        with numbers_from_text():
            return schema.load(dict(data))
    except MarshmallowError as exc:
        # webargs names the location the same way before the daemon's error callback sees it.
        exc.messages = {location: exc.messages}
        validation_error_callback(exc, None, schema)


def _query(schema: Schema, query: Mapping[str, Any] | None, page: int = 1, size: int = MAX_PAGE_SIZE) -> dict:
    given = {k: v for k, v in (query or {}).items() if v is not None}
    return _load(schema, {**given, "page": page, "page_size": size}, "querystring")


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        # The daemon's own cell formatting, so both modes write the same file.
        writer.writerow(csv_stream.csv_cells(row, columns))
    return buffer.getvalue()


class DirectBackend:
    """wheeld's services as the `Backend` protocol, on a container this process opened (or was given)."""

    mode: Mode = "direct"

    def __init__(self, container: Container, *, owns: bool = False, write_guard: WriteGuard | None = None) -> None:
        self.c = container
        self.where = str(container.config.database_path)
        self._owns = owns
        self._guard = write_guard
        self._cleared = write_guard is None
        self._runs: list[str] = []

    @classmethod
    async def open(cls, config: Config, *, write_guard: WriteGuard | None = None) -> DirectBackend:
        """Build wheeld's container on `config` (XNYS calendar for real DTE), open the database."""
        clock = Clock()
        container = Container.build(config, clock, await load_calendar(clock))
        try:
            await container.start()
        except (SchemaTooNew, NotAWheeldDatabase) as exc:
            await container.stop()
            raise DatabaseUnusable(str(exc)) from None
        except (sqlite3.Error, OSError) as exc:
            await container.stop()
            raise DatabaseUnusable(f"cannot open the database {config.database_path}: {exc}") from None
        return cls(container, owns=True, write_guard=write_guard)

    async def close(self) -> None:
        """Let manual job runs finish, then stop the services and close the database (if opened here)."""
        for job_id in self._runs:
            await self._wait_for_run(job_id)
        if self._owns:
            await self.c.stop()

    async def _wait_for_run(self, job_id: str) -> None:
        # Stopping the container would cancel the run a person asked for: wait for it instead.
        while job_id in self.c.jobs.active_job_ids():
            await asyncio.sleep(_RUN_POLL_SECONDS)

    async def _writing(self) -> None:
        """Refuse to write while a daemon serves this database (checked once per run)."""
        if self._cleared or self._guard is None:
            return
        holder = await self._guard()
        if holder is not None:
            raise DaemonHoldsDatabase(
                f"{holder}. Direct mode only reads while the daemon runs (its caches would not see the write):"
                " use API mode (drop --direct-mode / --db), or stop the daemon first."
            )
        self._cleared = True

    async def _all(self, fetch: Callable[[Page], Awaitable[Paged]], schema: Schema) -> list[JSON]:
        items: list[Any] = []
        page = 1
        while True:
            paged = await fetch(Page(page, MAX_PAGE_SIZE))
            items.extend(paged.items)
            if page * MAX_PAGE_SIZE >= paged.total:
                return schema.dump(items, many=True)
            page += 1

    def _scope(self, query: Query) -> Scope:
        q = _load(PerformanceQuery(), {k: v for k, v in query.items() if v is not None}, "querystring")
        base = Scope(portfolio_id=q.get("portfolio_id"), wheel_id=q.get("wheel_id"), symbol=q.get("symbol"))
        period = q.get("period") or (None if q.get("start") or q.get("end") else "all")
        return period_scope(base, self.c.clock.today_ny(), period, q.get("start"), q.get("end"))

    @staticmethod
    def _id(value: int) -> int:
        return _load(IdPath(), {"id": value}, "match_info")["id"]

    # system
    async def health(self) -> JSON:
        """GET /api/v1/health."""
        body, _ = await self.c.system.health()
        return Health().dump(body)

    async def system_info(self) -> JSON:
        """GET /api/v1/system/info."""
        return SystemInfo().dump(await self.c.system.info())

    # portfolios
    async def list_portfolios(self) -> list[JSON]:
        """GET /api/v1/portfolios."""
        return await self._all(lambda page: self.c.portfolios.list(page, "id"), Portfolio())

    async def create_portfolio(self, body: Body) -> JSON:
        """POST /api/v1/portfolios."""
        await self._writing()
        spec = _load(PortfolioCreate(), body)
        created = await self.c.portfolios.create(spec["name"], spec["description"], spec["default_capital_cents"])
        return Portfolio().dump(created)

    async def update_portfolio(self, portfolio_id: int, body: Body) -> JSON:
        """PATCH /api/v1/portfolios/{id}."""
        await self._writing()
        changes = _load(PortfolioUpdate(), body)
        return Portfolio().dump(await self.c.portfolios.update(self._id(portfolio_id), changes))

    async def delete_portfolio(self, portfolio_id: int) -> None:
        """DELETE /api/v1/portfolios/{id}."""
        await self._writing()
        await self.c.portfolios.delete(self._id(portfolio_id))

    async def portfolio_summary(self, portfolio_id: int) -> JSON:
        """GET /api/v1/portfolios/{id}/summary."""
        return PortfolioSummary().dump(await self.c.portfolios.summary(self._id(portfolio_id)))

    # wheels
    async def list_wheels(self, query: Query) -> list[JSON]:
        """GET /api/v1/wheels."""
        q = _query(WheelListQuery(), query)
        filters = wheel_routes.query_filters(q)
        return await self._all(lambda page: self.c.wheels.list(filters, page, q["sort"]), Wheel())

    async def get_wheel(self, wheel_id: int) -> JSON:
        """GET /api/v1/wheels/{id}."""
        return Wheel().dump(await self.c.wheels.get(self._id(wheel_id)))

    async def create_wheel(self, portfolio_id: int, body: Body) -> JSON:
        """POST /api/v1/portfolios/{id}/wheels."""
        await self._writing()
        spec = _load(WheelCreate(), body)
        return Wheel().dump(await self.c.wheels.create(self._id(portfolio_id), spec))

    async def update_wheel(self, wheel_id: int, body: Body) -> JSON:
        """PATCH /api/v1/wheels/{id}."""
        await self._writing()
        changes = _load(WheelUpdate(), body)
        return Wheel().dump(await self.c.wheels.update(self._id(wheel_id), changes))

    # trades
    async def list_trades(self, query: Query) -> list[JSON]:
        """GET /api/v1/trades."""
        q = _query(TradeListQuery(), query)
        filters = trade_routes.query_filters(q)
        return await self._all(lambda page: self.c.trades.list(filters, page, q["sort"]), Trade())

    async def record_trade(self, wheel_id: int, body: Body) -> JSON:
        """POST /api/v1/wheels/{id}/trades."""
        await self._writing()
        spec = _load(TradeCreate(), body)
        return TradeCreated().dump(await self.c.trades.record(self._id(wheel_id), spec))

    async def settle_trade(self, trade_id: int, body: Body) -> JSON:
        """POST /api/v1/trades/{id}/settle."""
        await self._writing()
        spec = _load(Settle(), body)
        return SettleResult().dump(await self.c.trades.settle(self._id(trade_id), spec))

    async def roll_trade(self, trade_id: int, body: Body) -> JSON:
        """POST /api/v1/trades/{id}/roll."""
        await self._writing()
        spec = _load(Roll(), body)
        return RollResult().dump(await self.c.trades.roll(self._id(trade_id), spec))

    async def trades_csv(self, query: Query) -> str:
        """GET /api/v1/trades?format=csv."""
        q = _query(TradeListQuery(), {**query, "format": "csv"})
        rows: list[dict[str, Any]] = []
        chunks: AsyncIterator[list[dict[str, Any]]] = self.c.trades.iter_all(trade_routes.query_filters(q), q["sort"])
        async for chunk in chunks:
            rows.extend(Trade().dump(chunk, many=True))
        return _csv(rows, trade_routes.CSV_COLUMNS)

    # positions and analytics
    async def list_positions(self, query: Query) -> list[JSON]:
        """GET /api/v1/positions."""
        q = _query(PositionQuery(), query)
        filters = {k: q.get(k) for k in ("portfolio_id", "symbol", "risk_level")}
        filters["expires_before"] = q["expires_before"].isoformat() if q.get("expires_before") else None
        return PositionStatus(many=True).dump(await self.c.positions.open_positions(filters))

    async def take_snapshots(self, body: Body) -> JSON:
        """POST /api/v1/snapshots."""
        await self._writing()
        portfolio_id = _load(SnapshotCreate(), body).get("portfolio_id")
        if portfolio_id is not None:
            await self.c.portfolios.get(portfolio_id)
        return SnapshotRun().dump(await self.c.snapshots.take(portfolio_id))

    async def list_snapshots(self, query: Query) -> list[JSON]:
        """GET /api/v1/snapshots."""
        q = _query(SnapshotQuery(), query)
        filters = {k: q.get(k) for k in ("trade_id", "wheel_id", "portfolio_id", "symbol")}
        filters.update({k: q[k].isoformat() for k in ("start", "end") if q.get(k)})
        return await self._all(lambda page: self.c.snapshots.list(filters, page, q["sort"]), Snapshot())

    async def wheel_trend(self, wheel_id: int, trade_id: int | None = None) -> JSON:
        """GET /api/v1/wheels/{id}/trend."""
        q = _load(TrendQuery(), {"trade_id": trade_id} if trade_id is not None else {}, "querystring")
        return Trend().dump(await self.c.snapshots.trend(self._id(wheel_id), q.get("trade_id")))

    async def performance(self, query: Query) -> JSON:
        """GET /api/v1/performance."""
        return Metrics().dump(await self.c.performance.metrics(self._scope(query)))

    async def performance_portfolios(self, query: Query) -> list[JSON]:
        """GET /api/v1/performance/portfolios."""
        return PortfolioMetrics(many=True).dump(await self.c.performance.by_portfolio(self._scope(query)))

    async def performance_symbols(self, query: Query) -> list[JSON]:
        """GET /api/v1/performance/symbols."""
        return SymbolMetrics(many=True).dump(await self.c.performance.by_symbol(self._scope(query)))

    async def performance_csv(self, by: Literal["portfolios", "symbols"], query: Query) -> str:
        """GET /api/v1/performance/{by}?format=csv."""
        rows = await (self.performance_portfolios(query) if by == "portfolios" else self.performance_symbols(query))
        return _csv(rows, _COLUMNS[by])

    # recommendations, watchlist, scans
    async def recommendation(self, wheel_id: int) -> JSON:
        """GET /api/v1/wheels/{id}/recommendation."""
        return Recommendation().dump(await self.c.recommendations.for_wheel(self._id(wheel_id)))

    async def recommendations(self, body: Body) -> list[JSON]:
        """POST /api/v1/recommendations."""
        spec = _load(RecommendationBatch(), body)
        entries = await self.c.recommendations.batch(spec.get("wheel_ids"), spec.get("portfolio_id"))
        return BatchEntry(many=True).dump(entries)

    async def list_watchlist(self, query: Query) -> list[JSON]:
        """GET /api/v1/watchlist."""
        q = _query(WatchlistQuery(), query)
        return await self._all(
            lambda page: self.c.watchlist.list(page, q.get("portfolio_id"), q["global_only"]), WatchlistEntry()
        )

    async def add_to_watchlist(self, body: Body) -> JSON:
        """POST /api/v1/watchlist."""
        await self._writing()
        return WatchlistEntry().dump(await self.c.watchlist.add(_load(WatchlistCreate(), body)))

    async def remove_from_watchlist(self, symbol: str, portfolio_id: int | None) -> None:
        """DELETE /api/v1/watchlist/{symbol}."""
        await self._writing()
        path = _load(WatchlistSymbolPath(), {"symbol": symbol}, "match_info")
        query = {"portfolio_id": portfolio_id} if portfolio_id is not None else {}
        q = _load(WatchlistDeleteQuery(), query, "querystring")
        await self.c.watchlist.remove(path["symbol"], q.get("portfolio_id"))

    async def scan(self, body: Body) -> JSON:
        """POST /api/v1/opportunities/scan."""
        await self._writing()
        criteria = _load(ScanCriteria(), body)
        scope = criteria.pop("portfolio_id", None)
        return ScanResult().dump(await self.c.opportunities.scan(criteria, "manual", scope))

    async def list_opportunities(self) -> list[JSON]:
        """GET /api/v1/opportunities."""

        async def fetch(page: Page) -> Paged:
            _, paged = await self.c.opportunities.latest(page)
            return paged

        return await self._all(fetch, Opportunity())

    # jobs, alerts, plugins
    @staticmethod
    def _job_id(job_id: str) -> str:
        return _load(JobIdPath(), {"id": job_id}, "match_info")["id"]

    async def list_jobs(self) -> list[JSON]:
        """GET /api/v1/jobs."""
        return await self._all(self.c.jobs.list, Job())

    async def update_job(self, job_id: str, body: Body) -> JSON:
        """PATCH /api/v1/jobs/{id}."""
        await self._writing()
        job_id = self._job_id(job_id)
        return Job().dump(await self.c.jobs.update(job_id, _load(JobUpdate(), body)))

    async def run_job(self, job_id: str) -> JSON:
        """POST /api/v1/jobs/{id}/run (the run finishes before `close` returns)."""
        await self._writing()
        started = await self.c.jobs.run_now(self._job_id(job_id))
        self._runs.append(started["job_id"])
        return RunStarted().dump(started)

    async def job_runs(self, job_id: str, limit: int) -> list[JSON]:
        """GET /api/v1/jobs/{id}/runs."""
        q = _query(PageQuery(), {}, 1, limit)
        paged = await self.c.jobs.runs(self._job_id(job_id), Page(q["page"], q["page_size"]))
        return JobRun(many=True).dump(paged.items)

    async def list_alerts(self, query: Query, limit: int) -> list[JSON]:
        """GET /api/v1/alerts."""
        q = _query(AlertListQuery(), query, 1, limit)
        filters = {k: v for k, v in q.items() if k not in ("page", "page_size")}
        paged = await self.c.alerts.list(filters, Page(q["page"], q["page_size"]))
        return Alert(many=True).dump(paged.items)

    async def acknowledge_alert(self, alert_id: int, acknowledged: bool) -> JSON:
        """PATCH /api/v1/alerts/{id}."""
        await self._writing()
        body = _load(AlertUpdate(), {"acknowledged": acknowledged})
        return Alert().dump(await self.c.alerts.acknowledge(self._id(alert_id), body["acknowledged"]))

    async def list_plugins(self) -> list[JSON]:
        """GET /api/v1/plugins."""
        service = getattr(self.c, "plugins", None)
        if service is None:
            raise NotFound("no such path: /api/v1/plugins", {"path": "/api/v1/plugins"})
        # Imported here: plugin management came after the rest of the API, and a build without it still runs.
        from wheeld.http.schemas.plugins import Plugin

        return await self._all(service.list, Plugin())
