"""Broker import: plan broker rows against the portfolio, apply the plan in one transaction, reconcile.

The moves go through the trade and wheel services' in-transaction methods (`record_in`, `settle_in`,
`roll_in`, `create_in`): the import has no recording path of its own. A dry run runs everything and
rolls the transaction back, so its report is exactly what a real run would do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import aiosqlite

from wheeld.clock import NEW_YORK, Clock, utc_iso
from wheeld.db import broker_imports as repo
from wheeld.db import trades as trade_repo
from wheeld.db.connection import Database
from wheeld.domain.broker_plan import KnownTrade, Plan, Shares, Step, StepKind, SymbolBook, plan_import
from wheeld.domain.broker_rows import BrokerRow, Contract, parse_schwab_csv
from wheeld.domain.schwab_transactions import parse_schwab_transactions
from wheeld.domain.vocabulary import Direction, Outcome, WheelState
from wheeld.domain.wheel_state import WheelPosition
from wheeld.errors import Conflict, InvalidState, NotFound, WheeldError
from wheeld.services.portfolios import PortfolioService
from wheeld.services.trades import TradeService
from wheeld.services.wheels import WheelService

SOURCES = ("schwab-csv", "schwab")
BROKER_NAME = "Schwab"
_ACTING = (StepKind.OPEN, StepKind.SETTLE, StepKind.ROLL, StepKind.MATCH)


@dataclass(frozen=True)
class ImportRequest:
    """One import: the broker's rows and how to take them."""

    source: str
    rows: list[BrokerRow]
    portfolio: int | str | None = None  # id, name, or the default portfolio
    dry_run: bool = False
    shares: Mapping[str, Shares] = field(default_factory=dict)
    broker: str = "schwab"


class _RolledBack(Exception):
    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__("dry run")
        self.report = report


def _contract(row: Any) -> Contract:
    return Contract(
        row["symbol"], date.fromisoformat(row["expiration_date"]), row["strike_cents"], Direction(row["direction"])
    )


class BrokerImportService:
    """Imports broker transactions into a portfolio's wheels and trades."""

    def __init__(
        self, db: Database, clock: Clock, portfolios: PortfolioService, wheels: WheelService, trades: TradeService
    ) -> None:
        self.db, self.clock = db, clock
        self.portfolios, self.wheels, self.trades = portfolios, wheels, trades

    async def run(self, request: ImportRequest) -> dict[str, Any]:
        """Import (or, with `dry_run`, preview) the rows; the report says what happened to each."""
        portfolio = await self.portfolios.resolve(request.portfolio)
        try:
            async with self.db.transaction() as conn:
                report = await self._run_in(conn, portfolio["id"], request)
                if request.dry_run:
                    raise _RolledBack(report)
        except _RolledBack as done:
            return done.report
        return report

    async def import_schwab_csv(
        self, text: str, portfolio: int | str | None, dry_run: bool, shares: Mapping[str, Shares]
    ) -> dict[str, Any]:
        """Import Schwab's transaction history export (CSV text)."""
        return await self.run(ImportRequest("schwab-csv", parse_schwab_csv(text), portfolio, dry_run, shares))

    async def import_schwab_api(
        self, transactions: list[Any], portfolio: int | str | None, dry_run: bool, shares: Mapping[str, Shares]
    ) -> dict[str, Any]:
        """Import what Schwab's transactions endpoint answered (decoded JSON)."""
        rows = parse_schwab_transactions(transactions)
        return await self.run(ImportRequest("schwab", rows, portfolio, dry_run, shares))

    async def get(self, import_id: int) -> dict[str, Any]:
        """The report of an earlier import, as it was written."""
        row = await repo.get_import(self.db.reader, import_id)
        if row is None:
            raise NotFound(f"import {import_id} not found", {"import_id": import_id})
        return dict(json.loads(row["report"]))

    async def _books(
        self, conn: aiosqlite.Connection, portfolio_id: int, symbols: list[str], source: str
    ) -> dict[str, SymbolBook]:
        """What the portfolio holds per symbol; trades another source imported count as recorded by hand."""
        wheels = {w["symbol"]: w for w in await repo.active_wheels(conn, portfolio_id, symbols)}
        trades: dict[str, list[KnownTrade]] = {}
        opens: dict[int, Any] = {}
        for t in await repo.portfolio_trades(conn, portfolio_id, symbols, source):
            known = KnownTrade(
                t["id"], _contract(t), date.fromisoformat(t["opened_on"]), t["contracts"], Outcome(t["outcome"]),
                bool(t["imported"]),
            )  # fmt: skip
            trades.setdefault(t["symbol"], []).append(known)
            if t["outcome"] == Outcome.OPEN:
                opens[t["wheel_id"]] = t
        books = {}
        for symbol in symbols:
            w = wheels.get(symbol)
            position = None
            if w is not None:
                position = WheelPosition(WheelState(w["state"]), w["shares"], w["cost_basis_cents"], w["cycle"])
            open_trade = opens.get(w["id"]) if w is not None else None
            books[symbol] = SymbolBook(
                position,
                _contract(open_trade) if open_trade is not None else None,
                open_trade["contracts"] if open_trade is not None else 0,
                tuple(trades.get(symbol, [])),
            )
        return books

    async def _run_in(self, conn: aiosqlite.Connection, portfolio_id: int, request: ImportRequest) -> dict[str, Any]:
        symbols = sorted({r.symbol for r in request.rows if r.symbol})
        known = await repo.known_keys(conn, request.broker, [r.key for r in request.rows])
        plan = plan_import(
            request.rows, await self._books(conn, portfolio_id, symbols, request.source), known, request.shares
        )
        if plan.conflicts and not request.dry_run:
            raise Conflict(
                f"{len(plan.conflicts)} row(s) conflict with what wheeld holds; nothing was imported"
                " (run with dry_run to see the whole plan)",
                {"conflicts": [{"line": s.row.line, "reason": s.reason} for s in plan.conflicts]},
            )
        now = utc_iso(self.clock.now())
        import_id = None
        if any(s.kind in _ACTING for s in plan.steps):
            import_id = await repo.insert_import(conn, portfolio_id, request.source, {}, now)
        trade_ids: dict[str, int | None] = {}
        for step in plan.steps:
            if step.kind in _ACTING:
                assert import_id is not None
                trade_ids.update(await self._apply(conn, portfolio_id, import_id, request.broker, step))
        # A dry run's ids are gone with its transaction: the report does not show them.
        report = await self._report(conn, portfolio_id, request, plan, {} if request.dry_run else trade_ids)
        report.update({"id": None if request.dry_run else import_id, "imported_at": now})
        if import_id is not None:
            await repo.set_report(conn, import_id, report)
        return report

    async def _apply(
        self, conn: aiosqlite.Connection, portfolio_id: int, import_id: int, broker: str, step: Step
    ) -> dict[str, int | None]:
        """Apply one step and remember its rows; returns the trade of each row, by row key."""
        try:
            trade_id, new_id = await self._move(conn, portfolio_id, step)
        except WheeldError as exc:
            raise type(exc)(
                f"{step.row.where}: {exc.message}; nothing was imported", {**exc.details, "line": step.row.line}
            ) from None
        linked = {step.row.key: trade_id}
        await repo.insert_import_row(conn, import_id, broker, step.row.key, step.row.line, str(step.kind), trade_id)
        for other in step.also:
            linked[other.key] = new_id if step.kind is StepKind.ROLL else trade_id
            await repo.insert_import_row(
                conn, import_id, broker, other.key, other.line, str(step.kind), linked[other.key]
            )
        return linked

    def _moment(self, day: date) -> datetime:
        """A broker row's time: noon in New York on its trade date (never later than now)."""
        return min(datetime.combine(day, time(12), NEW_YORK).astimezone(UTC), self.clock.now())

    async def _wheel_id(self, conn: aiosqlite.Connection, portfolio_id: int, step: Step) -> int | None:
        wheels = await repo.active_wheels(conn, portfolio_id, [step.symbol])
        return wheels[0]["id"] if wheels else None

    async def _open_trade(self, conn: aiosqlite.Connection, portfolio_id: int, step: Step) -> int:
        wheel_id = await self._wheel_id(conn, portfolio_id, step)
        trade = await trade_repo.open_trade_of(conn, wheel_id) if wheel_id is not None else None
        if trade is None or step.contract is None or _contract(trade) != step.row.contract:
            raise InvalidState(f"wheeld has no open {step.row.contract.label() if step.row.contract else 'option'}")
        return int(trade["id"])

    async def _move(self, conn: aiosqlite.Connection, portfolio_id: int, step: Step) -> tuple[int | None, int | None]:
        """Apply one step through the services; returns (the row's trade, the trade a roll opened)."""
        when = self._moment(step.row.trade_date)
        if step.kind is StepKind.MATCH:
            return step.trade_id, None
        if step.kind is StepKind.OPEN:
            return int((await self._open(conn, portfolio_id, step, when))["id"]), None
        trade_id = await self._open_trade(conn, portfolio_id, step)
        if step.kind is StepKind.ROLL:
            assert step.contract is not None
            new = {
                "strike_cents": step.contract.strike_cents, "expiration_date": step.contract.expiration,
                "contracts": step.contracts, "total_premium_cents": step.premium_cents, "fees_cents": step.fees_cents,
                "notes": f"imported from {BROKER_NAME} ({step.also[0].where})",
            }  # fmt: skip
            rolled = await self.trades.roll_in(
                conn,
                trade_id,
                {"close_cost_cents": step.close_cost_cents, "fees_cents": step.close_fees_cents, "rolled_at": when,
                 "new": new},
            )  # fmt: skip
            return trade_id, int(rolled["opened"]["id"])
        assert step.outcome is not None
        spec: dict[str, Any] = {"outcome": str(step.outcome), "fees_cents": step.close_fees_cents, "settled_at": when}
        if step.outcome is Outcome.CLOSED:
            spec["close_cost_cents"] = step.close_cost_cents
        if step.partial:
            spec["contracts"] = step.contracts
        await self.trades.settle_in(conn, trade_id, spec)
        return trade_id, None

    async def _open(self, conn: aiosqlite.Connection, portfolio_id: int, step: Step, when: datetime) -> dict[str, Any]:
        assert step.contract is not None
        wheel_id = await self._wheel_id(conn, portfolio_id, step)
        shares = step.shares
        if wheel_id is None:
            spec: dict[str, Any] = {"symbol": step.symbol, "notes": f"created by the {BROKER_NAME} import"}
            if shares is not None:
                spec.update(starting_direction="call", shares=shares.count, cost_basis_cents=shares.cost_cents)
            wheel_id = await self.wheels.create_in(conn, portfolio_id, spec)
        elif shares is not None:
            await self.wheels.take_shares_in(conn, wheel_id, shares.count, shares.cost_cents)
        return await self.trades.record_in(
            conn,
            wheel_id,
            {
                "direction": str(step.contract.direction), "strike_cents": step.contract.strike_cents,
                "expiration_date": step.contract.expiration, "contracts": step.contracts,
                "total_premium_cents": step.premium_cents, "fees_cents": step.fees_cents, "opened_at": when,
                "notes": f"imported from {BROKER_NAME} ({step.row.where})",
            },
        )  # fmt: skip

    async def _report(
        self,
        conn: aiosqlite.Connection,
        portfolio_id: int,
        request: ImportRequest,
        plan: Plan,
        trade_ids: dict[str, int | None],
    ) -> dict[str, Any]:
        rows = []
        for step in plan.steps:
            rows.append(_row_report(step.row, str(step.kind), step.reason, trade_ids.get(step.row.key)))
            for other in step.also:
                rows.append(_row_report(other, str(step.kind), f"part of {step.row.where}", trade_ids.get(other.key)))
        rows.sort(key=lambda r: r["line"])
        totals = {str(kind): plan.count(kind) for kind in StepKind}
        return {
            "source": request.source,
            "portfolio_id": portfolio_id,
            "dry_run": request.dry_run,
            "period": {
                "start": plan.first_date.isoformat() if plan.first_date else None,
                "end": plan.last_date.isoformat() if plan.last_date else None,
            },
            "totals": {"rows": len(request.rows), **totals},
            "rows": rows,
            "reconciliation": await self._reconcile(conn, portfolio_id, plan),
        }

    async def _reconcile(self, conn: aiosqlite.Connection, portfolio_id: int, plan: Plan) -> list[dict[str, Any]]:
        if plan.first_date is None or plan.last_date is None:
            return []
        symbols = sorted(plan.tallies)
        ours = await repo.wheeld_figures(
            conn, portfolio_id, symbols, plan.first_date.isoformat(), plan.last_date.isoformat()
        )
        lines = []
        for symbol in symbols:
            broker, mine = plan.tallies[symbol], ours.get(symbol)
            net = int(mine["net_cents"] or 0) if mine is not None else 0
            held = int(mine["open_contracts"] or 0) if mine is not None else 0
            lines.append(
                {
                    "symbol": symbol,
                    "broker_net_premium": broker.net_premium_cents,
                    "wheeld_net_premium": net,
                    "difference": net - broker.net_premium_cents,
                    "broker_open_contracts": broker.open_contracts,
                    "wheeld_open_contracts": held,
                    "ok": net == broker.net_premium_cents and held == broker.open_contracts,
                }
            )
        return lines


def _row_report(row: BrokerRow, step: str, reason: str, trade_id: int | None) -> dict[str, Any]:
    return {
        "line": row.line,
        "date": row.trade_date.isoformat(),
        "action": row.action,
        "symbol": row.contract.label() if row.contract else row.symbol,
        "step": step,
        "reason": reason,
        "trade_id": trade_id,
    }
