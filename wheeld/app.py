"""The composition root: config → database → services (→ market data, scheduler) in one container.

The server, the CLI's direct mode and the tests all build wheeld through `Container`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import httpx

from wheeld.clock import Clock
from wheeld.config import Config
from wheeld.db.connection import Database
from wheeld.db.jobs import SqliteJobStore
from wheeld.logs import RedactingFilter, set_level
from wheeld.market_calendar import TradingCalendar, load_xnys
from wheeld.marketdata.factory import SchwabSettings, build_market_data
from wheeld.marketdata.resilience import RetryPolicy
from wheeld.marketdata.service import CacheTTLs, MarketData
from wheeld.plugins.context import PluginServices
from wheeld.scheduler.core_jobs import CoreJobDeps, CoreJobs, core_job_specs, unwired_deps
from wheeld.scheduler.jobs import JobHandler, JobStore, RunRetention
from wheeld.scheduler.market_hours import MarketHours, SessionHours
from wheeld.scheduler.supervisor import Supervisor
from wheeld.services.alerts import AlertService
from wheeld.services.broker_import import BrokerImportService
from wheeld.services.configuration import ConfigService
from wheeld.services.jobs import JobService
from wheeld.services.monitoring import QuoteRefresh, RiskMonitor
from wheeld.services.notifiers import Notifier, NotifierSettings
from wheeld.services.opportunities import OpportunityService
from wheeld.services.option_advice import OptionMarks
from wheeld.services.performance import PerformanceService
from wheeld.services.plugins import PluginService
from wheeld.services.portfolios import PortfolioService
from wheeld.services.positions import PositionService, RiskSettings
from wheeld.services.pricing import HeldPrices
from wheeld.services.recommendations import RecommendationConfig, RecommendationService
from wheeld.services.snapshots import SnapshotService
from wheeld.services.system import SystemService
from wheeld.services.trades import TradeService
from wheeld.services.watchlist import WatchlistService
from wheeld.services.wheels import WheelService

log = logging.getLogger(__name__)


@dataclass
class Container:
    """Everything a running wheeld is made of, built once and shared."""

    settings: ConfigService
    clock: Clock
    db: Database
    calendar: TradingCalendar
    market: MarketData
    portfolios: PortfolioService
    positions: PositionService
    snapshots: SnapshotService
    performance: PerformanceService
    system: SystemService
    wheels: WheelService
    trades: TradeService
    alerts: AlertService
    recommendations: RecommendationService
    watchlist: WatchlistService
    opportunities: OpportunityService
    # What the core jobs call; reassign a field to wire a service in (handlers read it at each run).
    core_job_deps: CoreJobDeps
    jobs: JobService
    plugins: PluginService
    imports: BrokerImportService
    redactor: RedactingFilter | None = None
    # Run the scheduler at start() (when scheduler.enabled): `serve` does; tests and the CLI do not.
    start_scheduler: bool = False
    # Builds a fresh supervisor: one starts once, so a container stopped and started again needs another.
    _new_supervisor: Callable[[], Supervisor] | None = field(default=None, repr=False)
    _started: bool = field(default=False, repr=False)

    @property
    def config(self) -> Config:
        """The live configuration."""
        return self.settings.config

    @classmethod
    def build(
        cls,
        config: Config,
        clock: Clock | None = None,
        calendar: TradingCalendar | None = None,
        redactor: RedactingFilter | None = None,
        *,
        start_scheduler: bool = False,
        market: MarketData | None = None,
    ) -> Container:
        """Wire the parts together (nothing is opened yet). Without `calendar`, weekdays stand in for
        sessions: `serve` and the CLI pass the XNYS calendar from `load_calendar`. With
        `start_scheduler` (serve), `start()` runs the background jobs when `scheduler.enabled`.
        `market` replaces the market-data service config names (tests aim it at local fakes)."""
        clock = clock or Clock()
        calendar = calendar or TradingCalendar.weekdays_only()
        db = Database(config.database_path, busy_timeout_ms=config["database.busy_timeout_ms"])
        market = market if market is not None else build_market_data_from(config, clock, calendar)
        settings = ConfigService(config)
        marks = OptionMarks(market, lambda: RecommendationConfig.from_config(settings.config))
        positions = PositionService(db, clock, market, calendar, risk_settings(config), marks)
        held_prices = HeldPrices(market, clock)
        alerts = AlertService(db, clock, Notifier(lambda: NotifierSettings.from_config(settings.config)))
        deps = unwired_deps()
        deps.refresh_quotes = QuoteRefresh(db, market)
        deps.evaluate_risk = RiskMonitor(positions, alerts)
        snapshots = SnapshotService(db, clock, positions, market)
        deps.take_snapshots = snapshots.take_summary
        wheels = WheelService(db, clock)
        recommendations = RecommendationService(db, clock, market, wheels, lambda: settings.config)
        watchlist = WatchlistService(db, clock, lambda: recommendations.settings().profiles)
        opportunities = OpportunityService(
            db, clock, recommendations, wheels, watchlist, lambda: settings.config, alerts.notifier
        )
        deps.scan_opportunities = opportunities.scheduled
        store = SqliteJobStore(db, clock)
        handlers = CoreJobs(deps, calendar).handlers()

        def new_supervisor() -> Supervisor:
            return build_supervisor(store, clock, calendar, settings.config, handlers)

        supervisor = new_supervisor()
        jobs = JobService(store, supervisor, db, clock)
        portfolios = PortfolioService(db, clock, prices=held_prices, marks=marks)
        trades = TradeService(db, clock)
        plugin_services = PluginServices(clock, db, portfolios, wheels, positions, watchlist, market, alerts)
        container = cls(
            settings=settings,
            clock=clock,
            db=db,
            calendar=calendar,
            market=market,
            portfolios=portfolios,
            positions=positions,
            snapshots=snapshots,
            performance=PerformanceService(db, clock, prices=held_prices, marks=marks),
            system=SystemService(db, clock),
            wheels=wheels,
            trades=trades,
            alerts=alerts,
            recommendations=recommendations,
            watchlist=watchlist,
            opportunities=opportunities,
            core_job_deps=deps,
            jobs=jobs,
            plugins=PluginService(plugin_services, jobs, lambda: settings.config),
            imports=BrokerImportService(db, clock, portfolios, wheels, trades),
            redactor=redactor,
            start_scheduler=start_scheduler,
            _new_supervisor=new_supervisor,
        )
        container.settings.on_change(container._apply_live)
        return container

    def _apply_live(self, config: Config, changes: dict[str, Any]) -> None:
        if "server.log_level" in changes:
            set_level(config["server.log_level"])
        if any(k.startswith("risk.") for k in changes):
            self.positions.risk = risk_settings(config)
        if any(k.startswith(("market_hours.", "scheduler.run_history")) for k in changes):
            self.supervisor.configure(hours=market_hours(config), retention=run_retention(config))
        if self.redactor is not None:
            self.redactor.add_secrets(config.secrets())

    async def start(self) -> None:
        """Open the database (migrating it) and start background parts."""
        if self._started:
            return
        await self.db.open()
        self.system.add_probe("market_data", self._market_probe)
        if self.db.backup_path is not None:
            log.info("schema migrated from v%s; backup at %s", self.db.migrated_from, self.db.backup_path)
        # Defaults only where a job does not exist yet: a user's changes survive restarts.
        await self.jobs.install(core_job_specs())
        # Plugins load after the core jobs and before the scheduler starts; a broken one is only listed.
        await self.plugins.start()
        self.system.add_probe("scheduler", self._scheduler_probe)
        self.system.active_jobs = self.jobs.active_job_ids
        if self._scheduler_should_run:
            await self.supervisor.start()
        self._started = True

    async def stop(self) -> None:
        """Stop background parts and close the database."""
        if not self._started:
            return
        # Before the database closes: cancelled runs are recorded as such.
        await self.supervisor.stop()
        if self._new_supervisor is not None:
            self.jobs.supervisor = self._new_supervisor()
        if self.alerts.notifier is not None:
            await self.alerts.notifier.close()
        await self.market.close()
        await self.db.close()
        self._started = False

    @property
    def supervisor(self) -> Supervisor:
        """The job supervisor (scheduler)."""
        return self.jobs.supervisor

    @property
    def _scheduler_should_run(self) -> bool:
        return self.start_scheduler and bool(self.config["scheduler.enabled"])

    async def _scheduler_probe(self) -> dict[str, Any]:
        return await self.jobs.health(should_run=self._scheduler_should_run)

    async def _market_probe(self) -> dict[str, Any]:
        return self.market.health()


def risk_settings(config: Config) -> RiskSettings:
    """The risk thresholds from config."""
    return RiskSettings(config["risk.medium_threshold_pct"], config["risk.approaching_dte"])


def build_market_data_from(
    config: Config,
    clock: Clock,
    calendar: TradingCalendar,
    *,
    schwab_transport: httpx.AsyncBaseTransport | None = None,
    finnhub_api_url: str | None = None,
) -> MarketData:
    """The market-data service named by `market_data.provider`, with TTLs and retries from config;
    `schwab_transport` and `finnhub_api_url` reroute the vendors' HTTP (tests use local fakes)."""
    schwab = schwab_settings(config) if config["market_data.provider"] == "schwab" else None
    finnhub_key = config["external_apis.finnhub.api_key"] if config["external_apis.finnhub.enabled"] else ""
    return build_market_data(
        config["market_data.provider"],
        clock,
        calendar,
        schwab=schwab,
        finnhub_api_key=finnhub_key or None,
        ttls=CacheTTLs(config["caching.quote_ttl"], config["caching.chain_ttl"], config["caching.history_ttl"]),
        retry=RetryPolicy(
            attempts=config["market_data.max_retries"] + 1, timeout=config["market_data.timeout_seconds"]
        ),
        data_dir=config.data_dir,
        schwab_transport=schwab_transport,
        finnhub_api_url=finnhub_api_url,
    )


def market_hours(config: Config) -> MarketHours:
    """The market-hours gate's window from config."""
    return MarketHours(
        time(config["market_hours.open_hour"], config["market_hours.open_minute"]),
        time(config["market_hours.close_hour"], config["market_hours.close_minute"]),
    )


def run_retention(config: Config) -> RunRetention:
    """How much job-run history to keep, from config."""
    return RunRetention(config["scheduler.run_history_max_age_days"], config["scheduler.run_history_max_per_job"])


def build_supervisor(
    store: JobStore, clock: Clock, calendar: SessionHours, config: Config, handlers: dict[str, JobHandler]
) -> Supervisor:
    """The job supervisor over the store, with market hours and run retention from config."""
    return Supervisor(
        store,
        clock,
        calendar,
        market_hours(config),
        handlers,
        logging.getLogger("wheeld.scheduler"),
        retention=run_retention(config),
    )


def schwab_settings(config: Config) -> SchwabSettings:
    """Schwab credentials and the encrypted token's place (relative paths are inside the data dir)."""
    token = Path(config["external_apis.schwab.token_file"]).expanduser()
    return SchwabSettings(
        api_key=config["external_apis.schwab.app_key"],
        app_secret=config["external_apis.schwab.app_secret"],
        callback_url=config["external_apis.schwab.callback_url"],
        token_path=token if token.is_absolute() else config.data_dir / token,
        key_file=config.data_dir / "token.key",
    )


async def load_calendar(clock: Clock) -> TradingCalendar:
    """The XNYS calendar from 2015 to three years ahead, built once off the event loop (about a second)."""
    today = clock.today_ny()
    return await asyncio.to_thread(load_xnys, date(2015, 1, 1), today + timedelta(days=3 * 366))
