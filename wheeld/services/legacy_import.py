"""Importing the old CLI's trades.db (US-12): one transaction, idempotent, reconciled before it commits.

The old file is read once, read-only (`wheeld.db.legacy_source`); `wheeld.domain.legacy` maps and
replays it; this module writes portfolios, wheels and trades with their provenance, then reads back
what wheeld now holds for every legacy trade and compares counts and premium per wheel with the old
file. Any difference aborts the transaction: nothing is written unless everything reconciles.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import aiosqlite

from wheeld.clock import NEW_YORK, Clock, utc_iso
from wheeld.db import legacy_imports as imports_repo
from wheeld.db import portfolios as portfolio_repo
from wheeld.db import snapshots as snapshot_repo
from wheeld.db import trades as trade_repo
from wheeld.db import wheels as wheel_repo
from wheeld.db.connection import Database, Row
from wheeld.db.legacy_source import LegacySource, LegacySourceError, read_legacy
from wheeld.domain.legacy import LegacyPlan, PlannedSnapshot, PlannedTrade, PlannedWheel, plan_import

DEFAULT_PORTFOLIO = "Default"
SNAPSHOT_SOURCE = "legacy"  # the price source of imported snapshots: the old tool did not record its own
# A progress line about every twentieth of the trades, and at least every 100 of them.
PROGRESS_EVERY = 100
PROGRESS_LINES = 20
Progress = Callable[[str], None]


class LegacyImportError(Exception):
    """The import cannot go ahead; nothing was written."""


class ReconciliationFailed(LegacyImportError):
    """wheeld's figures differ from the old file's; the transaction was rolled back."""

    def __init__(self, report: MigrationReport) -> None:
        bad = [r for r in report.reconciliation if not r.ok]
        names = ", ".join(f"{r.symbol} (legacy wheel {r.legacy_wheel_id})" for r in bad)
        super().__init__(f"reconciliation failed for {names}; nothing was written")
        self.report = report


class _RolledBack(Exception):
    """Raised inside the transaction of a dry run so that it rolls back."""


@dataclass
class WheelReconciliation:
    """Trades and premium of one legacy wheel: in the old file, in wheeld, and knowingly left out."""

    legacy_wheel_id: str
    symbol: str
    legacy_trades: int = 0
    legacy_premium_cents: int = 0
    wheeld_trades: int = 0
    wheeld_premium_cents: int = 0
    # deleted in wheeld since an earlier import, or recorded in the old tool after it (each is a warning)
    excluded_trades: int = 0
    excluded_premium_cents: int = 0
    portfolios: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        """True when every legacy trade and cent is in wheeld or knowingly left out."""
        return (
            self.legacy_trades == self.wheeld_trades + self.excluded_trades
            and self.legacy_premium_cents == self.wheeld_premium_cents + self.excluded_premium_cents
        )


@dataclass
class MigrationReport:
    """What an import found, did (or would do) and how the figures compare."""

    source_path: str
    source_key: str
    dry_run: bool
    portfolio: str | None
    legacy_counts: dict[str, int | None]
    missing_columns: dict[str, list[str]]
    portfolios_created: list[str] = field(default_factory=list)
    portfolios_reused: list[str] = field(default_factory=list)
    wheels_imported: int = 0
    wheels_archived: int = 0
    wheels_skipped: int = 0
    trades_imported: int = 0
    trades_skipped: int = 0
    trades_not_imported: int = 0
    snapshots_imported: int = 0
    snapshots_skipped: int = 0
    snapshots_not_imported: int = 0
    warnings: list[str] = field(default_factory=list)
    reconciliation: list[WheelReconciliation] = field(default_factory=list)

    @property
    def total(self) -> WheelReconciliation:
        """The reconciliation summed over every wheel."""
        total = WheelReconciliation("", "TOTAL")
        for row in self.reconciliation:
            total.legacy_trades += row.legacy_trades
            total.legacy_premium_cents += row.legacy_premium_cents
            total.wheeld_trades += row.wheeld_trades
            total.wheeld_premium_cents += row.wheeld_premium_cents
            total.excluded_trades += row.excluded_trades
            total.excluded_premium_cents += row.excluded_premium_cents
        return total

    @property
    def ok(self) -> bool:
        """True when every wheel reconciles."""
        return all(row.ok for row in self.reconciliation)


def _iso(moment: datetime | None, fallback: str) -> str:
    return utc_iso(moment) if moment is not None else fallback


def _ny_date(moment: datetime | None) -> str | None:
    return moment.astimezone(NEW_YORK).date().isoformat() if moment is not None else None


class LegacyImportService:
    """Imports an old CLI database into wheeld's database."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def migrate(
        self,
        path: Path,
        portfolio: str | None = None,
        dry_run: bool = False,
        source_tz: tzinfo | None = None,
        progress: Progress | None = None,
    ) -> MigrationReport:
        """Import `path` (never modified) into `portfolio` (by name) or its own portfolios; see the module doc."""
        if portfolio is not None and not 1 <= len(portfolio.strip()) <= 100:
            raise LegacyImportError("--portfolio must name a portfolio in 1-100 characters")
        try:
            source = await asyncio.to_thread(read_legacy, path)
        except LegacySourceError as exc:
            raise LegacyImportError(str(exc)) from None
        plan = plan_import(source.portfolios, source.wheels, source.trades, source_tz, source.snapshots)
        if plan.findings.blocking:
            lines = "\n".join(f"  - {problem}" for problem in plan.findings.blocking)
            raise LegacyImportError(
                f"{len(plan.findings.blocking)} row(s) of {source.path} cannot be imported as they are; nothing was"
                f" written. Fix them in a copy of the file (sqlite3 COPY.db) and migrate the copy:\n{lines}"
            )
        report = _new_report(source, plan, portfolio, dry_run)
        try:
            async with self.db.transaction() as conn:
                run = _ImportRun(conn, source, plan, report, utc_iso(self.clock.now()), progress)
                await run.write(portfolio.strip() if portfolio else None)
                await run.reconcile()
                if not report.ok:
                    raise ReconciliationFailed(report)
                if dry_run:
                    raise _RolledBack
        except _RolledBack:
            pass
        return report


def _new_report(source: LegacySource, plan: LegacyPlan, portfolio: str | None, dry_run: bool) -> MigrationReport:
    report = MigrationReport(
        source_path=str(source.path),
        source_key=source.key,
        dry_run=dry_run,
        portfolio=portfolio,
        legacy_counts={
            "portfolios": None if source.portfolios is None else len(source.portfolios),
            "wheels": len(source.wheels),
            "trades": len(source.trades),
            "position_snapshots": None if source.snapshots is None else len(source.snapshots),
        },
        missing_columns=source.missing_columns,
        snapshots_not_imported=plan.snapshots_rejected,
        warnings=[str(w) for w in plan.findings.warnings],
    )
    if portfolio is not None and source.portfolios:
        report.warnings.append(
            f"portfolios: the old file's {len(source.portfolios)} portfolio(s) are not imported: "
            f"--portfolio puts every wheel into {portfolio!r}"
        )
    return report


class _ImportRun:
    """One import inside its transaction: the writes, their provenance and the reconciliation."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        source: LegacySource,
        plan: LegacyPlan,
        report: MigrationReport,
        now: str,
        progress: Progress | None,
    ) -> None:
        self.conn, self.source, self.plan, self.report, self.now = conn, source, plan, report, now
        self.progress = progress or (lambda _message: None)
        self.key, self.path = source.key, str(source.path.resolve())
        self.mapped: dict[tuple[str, str], Row] = {}
        self.by_legacy_portfolio: dict[str, int] = {}
        self.only_portfolio: str | None = None
        self.targets: dict[str, int] = {}
        self.not_imported: set[str] = set()
        self.conflicts: list[str] = []
        self.deleted_wheels: set[str] = set()
        self.done, self.total_trades = 0, sum(len(w.trades) for w in plan.wheels)

    # --- portfolios -------------------------------------------------------------------------------------

    async def _portfolio_named(self, name: str, description: str = "", capital: int = 0, created: str = "") -> int:
        """The portfolio of that name (case-insensitive), created when missing."""
        if name in self.targets:
            return self.targets[name]
        row = await portfolio_repo.get_by_name(self.conn, name)
        if row is not None:
            if row["name"] not in self.report.portfolios_reused:
                self.report.portfolios_reused.append(row["name"])
            portfolio_id = int(row["id"])
        else:
            portfolio_id = await portfolio_repo.insert_portfolio(
                self.conn, name, description, capital, created or self.now
            )
            self.report.portfolios_created.append(name)
        self.targets[name] = portfolio_id
        return portfolio_id

    async def _legacy_portfolios(self) -> None:
        """Every old portfolio becomes (or is matched by name to) a wheeld portfolio."""
        had_any = await portfolio_repo.count_portfolios(self.conn) > 0
        legacy_default = None
        for planned in self.plan.portfolios or []:
            created = utc_iso(planned.created_at) if planned.created_at else ""
            portfolio_id = await self._portfolio_named(
                planned.name, planned.description, planned.default_capital_cents, created
            )
            self.by_legacy_portfolio[planned.legacy_id] = portfolio_id
            if planned.is_default:
                legacy_default = portfolio_id
        # wheeld's own default wins; the old file's default only carries over into an empty wheeld.
        if not had_any and legacy_default is not None:
            await portfolio_repo.set_default(self.conn, legacy_default, self.now)

    async def _target(self, wheel: PlannedWheel) -> int:
        if self.only_portfolio is not None:
            return await self._portfolio_named(self.only_portfolio)
        legacy = wheel.legacy_portfolio_id
        if legacy is not None and legacy in self.by_legacy_portfolio:
            return self.by_legacy_portfolio[legacy]
        if legacy is not None:
            self.report.warnings.append(
                f"wheels {wheel.legacy_id}: portfolio {legacy} is not in the old file: imported into the default"
            )
        row = await portfolio_repo.get_default(self.conn)
        return int(row["id"]) if row is not None else await self._portfolio_named(DEFAULT_PORTFOLIO)

    # --- wheels and trades ------------------------------------------------------------------------------

    async def write(self, only_portfolio: str | None) -> None:
        """Portfolios, then every wheel not imported before, with its trades and their provenance."""
        self.mapped = await imports_repo.mapped(self.conn, self.key)
        self.only_portfolio = only_portfolio
        if only_portfolio is None:
            await self._legacy_portfolios()
        for wheel in self.plan.wheels:
            key = ("trades", wheel.trades[0].legacy_id) if wheel.kind == "side" else ("wheels", wheel.legacy_id)
            if key in self.mapped:
                self._skip(wheel, self.mapped[key])
                continue
            await self._import_wheel(wheel)
        if self.total_trades % self.progress_step:
            self.progress(f"trades: {self.done}/{self.total_trades}")
        if self.conflicts:
            lines = "\n".join(f"  - {c}" for c in self.conflicts)
            raise LegacyImportError(
                "wheeld holds one active wheel per symbol and portfolio; nothing was written. Import into another"
                f" portfolio (--portfolio NAME) or archive the wheeld wheel first:\n{lines}"
            )

    def _skip(self, wheel: PlannedWheel, mapping: Row) -> None:
        """A wheel imported by an earlier run: its known trades are duplicates, new ones are reported."""
        self.report.wheels_skipped += 1
        if wheel.kind != "side" and mapping["wheel_id"] is None:
            self.deleted_wheels.add(wheel.legacy_id)
            self.report.warnings.append(
                f"wheels {wheel.legacy_id}: {wheel.symbol} was imported before and has since been deleted in"
                " wheeld: not imported again"
            )
        for trade in wheel.trades:
            self._tick()
            snapshots = len(self.plan.snapshots.get(trade.legacy_id, []))
            if ("trades", trade.legacy_id) in self.mapped:
                self.report.trades_skipped += 1
                self.report.snapshots_skipped += snapshots
                continue
            self.report.trades_not_imported += 1
            self.report.snapshots_not_imported += snapshots
            self.not_imported.add(trade.legacy_id)
            self.report.warnings.append(
                f"trades {trade.legacy_id}: recorded in the old tool after {wheel.symbol} (legacy wheel"
                f" {wheel.legacy_id}) was imported: not imported; record it in wheeld"
            )

    async def _import_wheel(self, wheel: PlannedWheel) -> None:
        portfolio_id = await self._target(wheel)
        if not wheel.archived and await wheel_repo.active_symbol_taken(self.conn, portfolio_id, wheel.symbol):
            portfolio = await portfolio_repo.get_portfolio(self.conn, portfolio_id)
            self.conflicts.append(
                f"legacy wheel {wheel.legacy_id} {wheel.symbol} is active, and portfolio"
                f" {portfolio['name'] if portfolio else portfolio_id!r} already has an active {wheel.symbol} wheel"
            )
            return
        wheel_id = await wheel_repo.insert_wheel(self.conn, self._wheel_values(wheel, portfolio_id))
        if wheel.kind != "side":
            await imports_repo.record(
                self.conn, self.key, self.path, "wheels", wheel.legacy_id, self.now, wheel_id=wheel_id
            )
        self.report.wheels_imported += 1
        self.report.wheels_archived += int(wheel.archived)
        for trade in wheel.trades:
            trade_id = await trade_repo.insert_trade(self.conn, self._trade_values(trade, wheel, wheel_id))
            await imports_repo.record(
                self.conn, self.key, self.path, "trades", trade.legacy_id, self.now, trade_id=trade_id
            )
            for snapshot in self.plan.snapshots.get(trade.legacy_id, []):
                await snapshot_repo.upsert(self.conn, self._snapshot_values(snapshot, trade_id, wheel_id))
                self.report.snapshots_imported += 1
            self.report.trades_imported += 1
            self._tick()

    @property
    def progress_step(self) -> int:
        """Trades between two progress lines."""
        return max(1, min(PROGRESS_EVERY, -(-self.total_trades // PROGRESS_LINES)))

    def _tick(self) -> None:
        self.done += 1
        if self.done % self.progress_step == 0:
            self.progress(f"trades: {self.done}/{self.total_trades}")

    def _wheel_values(self, wheel: PlannedWheel, portfolio_id: int) -> dict[str, Any]:
        position = wheel.position
        created = _iso(wheel.created_at, self.now)
        return {
            "portfolio_id": portfolio_id,
            "symbol": wheel.symbol,
            "state": str(position.state),
            "profile": wheel.profile,
            "capital_allocated_cents": wheel.capital_allocated_cents,
            "shares": position.shares,
            "cost_basis_cents": position.cost_basis_cents,
            "starting_direction": str(wheel.starting_direction),
            "cycle": position.cycle,
            "notes": wheel.notes,
            "archived_at": _iso(wheel.archived_at, self.now) if wheel.archived else None,
            "created_at": created,
            "updated_at": _iso(wheel.updated_at, created),
        }

    def _trade_values(self, trade: PlannedTrade, wheel: PlannedWheel, wheel_id: int) -> dict[str, Any]:
        opened = utc_iso(trade.opened_at)
        return {
            "wheel_id": wheel_id,
            "symbol": wheel.symbol,
            "direction": str(trade.direction),
            "strike_cents": trade.strike_cents,
            "expiration_date": trade.expiration_date.isoformat(),
            "contracts": trade.contracts,
            "total_premium_cents": trade.total_premium_cents,
            "fees_cents": 0,
            "close_cost_cents": trade.close_cost_cents,
            "outcome": str(trade.outcome),
            "result": str(trade.result) if trade.result is not None else None,
            "stock_price_at_expiry_cents": trade.stock_price_at_expiry_cents,
            "realized_stock_pnl_cents": trade.realized_stock_pnl_cents,
            "cycle": trade.cycle,
            "opened_at": opened,
            "settled_at": utc_iso(trade.settled_at) if trade.settled_at is not None else None,
            "opened_on": _ny_date(trade.opened_at),
            "settled_on": _ny_date(trade.settled_at),
            "created_at": opened,
            "updated_at": _iso(trade.settled_at, opened),
        }

    def _snapshot_values(self, snapshot: PlannedSnapshot, trade_id: int, wheel_id: int) -> dict[str, Any]:
        created = _iso(snapshot.created_at, self.now)
        return {
            "trade_id": trade_id,
            "wheel_id": wheel_id,
            "snapshot_date": snapshot.snapshot_date.isoformat(),
            "current_price_cents": snapshot.current_price_cents,
            "dte_calendar": snapshot.dte_calendar,
            "dte_trading": snapshot.dte_trading,
            "moneyness_pct": snapshot.moneyness_pct,
            "is_itm": int(snapshot.is_itm),
            "risk_level": snapshot.risk_level,
            "option_mark": None,
            "price_source": SNAPSHOT_SOURCE,
            "price_as_of": created,
            "created_at": created,
            "updated_at": created,
        }

    # --- reconciliation ---------------------------------------------------------------------------------

    async def reconcile(self) -> None:
        """Compare, per legacy wheel, the old file's trades and premium with what wheeld now holds."""
        rows: dict[str, WheelReconciliation] = {}
        for wheel in self.plan.wheels:
            rows.setdefault(wheel.legacy_id, WheelReconciliation(wheel.legacy_id, wheel.symbol))
        for wheel_id, figures in self.plan.figures.items():
            row = rows.setdefault(wheel_id, WheelReconciliation(wheel_id, figures.symbol))
            row.legacy_trades, row.legacy_premium_cents = figures.trades, figures.premium_cents
        outcomes = {t.legacy_id: t.outcome for w in self.plan.wheels for t in w.trades}
        deleted: dict[str, int] = {}
        for imported in await imports_repo.imported_trades(self.conn, self.key):
            legacy_id = imported["legacy_id"]
            if legacy_id not in self.plan.trade_figures:
                self.report.warnings.append(f"trades {legacy_id}: imported before, no longer in the old file")
                continue
            wheel_id, premium = self.plan.trade_figures[legacy_id]
            row = rows[wheel_id]
            if imported["trade_id"] is None:
                row.excluded_trades += 1
                row.excluded_premium_cents += premium
                deleted[wheel_id] = deleted.get(wheel_id, 0) + 1
                continue
            row.wheeld_trades += 1
            row.wheeld_premium_cents += imported["total_premium_cents"]
            row.portfolios.add(imported["portfolio_name"])
            self._check_drift(legacy_id, outcomes.get(legacy_id), imported["outcome"])
        for legacy_id in self.not_imported:
            wheel_id, premium = self.plan.trade_figures[legacy_id]
            rows[wheel_id].excluded_trades += 1
            rows[wheel_id].excluded_premium_cents += premium
        for wheel_id, count in deleted.items():
            if wheel_id not in self.deleted_wheels:  # already said, for the whole wheel
                self.report.warnings.append(
                    f"wheels {wheel_id}: {count} trade(s) imported before have since been deleted in wheeld:"
                    " not imported again"
                )
        self.report.reconciliation = list(rows.values())

    def _check_drift(self, legacy_id: str, legacy_outcome: Any, ours: str) -> None:
        if legacy_outcome is not None and str(legacy_outcome) != ours:
            self.report.warnings.append(
                f"trades {legacy_id}: {legacy_outcome} in the old file, {ours} in wheeld (changed on one side"
                " since the import): left as it is in wheeld"
            )
