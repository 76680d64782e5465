"""The built-in jobs (FR-20): their default specs and their handlers, which call services via `CoreJobDeps`.

- `price_refresh`: every 5 minutes, market hours only — quotes only move while the market is open.
- `daily_snapshots`: cron `30 16 * * 1-5`, *not* market-hours-only — 16:30 is after the close, so a
  gate would skip every run. The handler skips days without a session itself ("not a trading
  session" in its summary); a manual run always snapshots.
- `risk_monitor`: every 15 minutes, market hours only — outside hours quotes are frozen at the close,
  so a re-evaluation could only repeat the last verdict; a position that nears expiry over a weekend
  is flagged by the first run of the next session, when it can be acted on.
- `opportunity_scan`: cron `45 9 * * 1-5`, market hours only — the gate skips holidays, and 09:45
  lets the opening quotes settle.

Defaults are inserted only when a job does not exist yet, so a user's changes survive restarts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from wheeld.clock import NEW_YORK
from wheeld.scheduler.jobs import JobContext, JobHandler, JobSpec
from wheeld.scheduler.market_hours import SessionHours

PRICE_REFRESH = "price_refresh"
DAILY_SNAPSHOTS = "daily_snapshots"
RISK_MONITOR = "risk_monitor"
OPPORTUNITY_SCAN = "opportunity_scan"
CORE_JOB_IDS = (PRICE_REFRESH, DAILY_SNAPSHOTS, RISK_MONITOR, OPPORTUNITY_SCAN)

NOT_A_SESSION = "not a trading session"

# A service call a core job makes: given the job's scope (a portfolio id, or None for every
# portfolio), it does the work and returns a short summary ("refreshed 12 symbols").
CoreJobCall = Callable[[int | None], Awaitable[str | Mapping[str, Any] | None]]


@dataclass
class CoreJobDeps:
    """The service calls behind the core jobs; reassign a field to wire a service in (read per run)."""

    refresh_quotes: CoreJobCall
    take_snapshots: CoreJobCall
    evaluate_risk: CoreJobCall
    scan_opportunities: CoreJobCall


def not_available(reason: str) -> CoreJobCall:
    """A call that does nothing and says so: the run succeeds with "not available yet: <reason>"."""

    async def call(scope: int | None) -> str:
        return f"not available yet: {reason}"

    return call


def unwired_deps() -> CoreJobDeps:
    """Deps for a wheeld whose services are not wired to the scheduler yet: honest no-ops."""
    return CoreJobDeps(
        refresh_quotes=not_available("market data is not wired to the scheduler"),
        take_snapshots=not_available("position snapshots are not wired to the scheduler"),
        evaluate_risk=not_available("position status is not wired to the risk monitor"),
        scan_opportunities=not_available("the opportunity scan is not wired to the scheduler"),
    )


def core_job_specs() -> list[JobSpec]:
    """The default spec of every core job (inserted only where the job does not exist yet)."""
    return [
        JobSpec(
            id=PRICE_REFRESH,
            kind="core",
            trigger={"type": "interval", "seconds": 300},
            market_hours_only=True,
            # Shorter than the interval, so a stuck refresh never collides with the next one.
            timeout_seconds=240,
            description="Refresh quotes of every symbol with an open position (one batched call)",
        ),
        JobSpec(
            id=DAILY_SNAPSHOTS,
            kind="core",
            trigger={"type": "cron", "expression": "30 16 * * 1-5"},
            market_hours_only=False,
            timeout_seconds=600,
            description="End-of-day snapshot of every open position (skips non-session days)",
        ),
        JobSpec(
            id=RISK_MONITOR,
            kind="core",
            trigger={"type": "interval", "seconds": 900},
            market_hours_only=True,
            timeout_seconds=300,
            description="Evaluate every open position and raise or clear alerts (ITM, risk, expiring)",
        ),
        JobSpec(
            id=OPPORTUNITY_SCAN,
            kind="core",
            trigger={"type": "cron", "expression": "45 9 * * 1-5"},
            market_hours_only=True,
            timeout_seconds=900,
            description="Scan the watchlist for new wheel candidates",
        ),
    ]


class CoreJobs:
    """The handlers of the core jobs, over `deps` (read at each run) and the trading calendar."""

    def __init__(self, deps: CoreJobDeps, calendar: SessionHours) -> None:
        self.deps = deps
        self._calendar = calendar

    def handlers(self) -> dict[str, JobHandler]:
        """Job id → handler, for the supervisor."""
        return {
            PRICE_REFRESH: self.price_refresh,
            DAILY_SNAPSHOTS: self.daily_snapshots,
            RISK_MONITOR: self.risk_monitor,
            OPPORTUNITY_SCAN: self.opportunity_scan,
        }

    async def price_refresh(self, context: JobContext) -> str | Mapping[str, Any] | None:
        """Refresh the quotes of open positions."""
        return await self.deps.refresh_quotes(context.job.scope)

    async def daily_snapshots(self, context: JobContext) -> str | Mapping[str, Any] | None:
        """Snapshot open positions; a scheduled run on a day without a session does nothing."""
        day = context.started_at.astimezone(NEW_YORK).date()
        # The cron fires on weekdays, holidays included; a person asking (manual run) always gets one.
        if context.trigger == "schedule" and self._calendar.session_hours(day) is None:
            return f"skipped: {day.isoformat()} is {NOT_A_SESSION}"
        return await self.deps.take_snapshots(context.job.scope)

    async def risk_monitor(self, context: JobContext) -> str | Mapping[str, Any] | None:
        """Evaluate open positions and raise or clear alerts."""
        return await self.deps.evaluate_risk(context.job.scope)

    async def opportunity_scan(self, context: JobContext) -> str | Mapping[str, Any] | None:
        """Scan the watchlist."""
        return await self.deps.scan_opportunities(context.job.scope)
