"""Performance analytics over any scope and period (FR-14..FR-17), computed by the one metrics module.

Sums come from SQL (`wheeld.db.totals.select_totals`), the figures from `wheeld.domain.performance`,
the same path the portfolio summary takes; SQL results are cached until the next write.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from wheeld.clock import Clock
from wheeld.db import positions as positions_repo
from wheeld.db import totals as repo
from wheeld.db.connection import Database, Row
from wheeld.db.totals import Scope
from wheeld.domain.cycles import cycle_win_rate
from wheeld.domain.option_marks import OptionMark
from wheeld.domain.performance import Holding, TradeTotals, compute_metrics
from wheeld.errors import NotFound, ValidationError
from wheeld.marketdata.models import Quote
from wheeld.services.cycles import WheelCycles
from wheeld.services.option_advice import OptionMarks, option_totals
from wheeld.services.pricing import HeldPrices, price_cents, quote_age_fields

PERIODS = {"30d": 30, "90d": 90, "365d": 365, "all": None}


def period_scope(scope: Scope, today: date, period: str | None, start: date | None, end: date | None) -> Scope:
    """Fix a scope's dates: `period` (the last N days, today included) or `start`/`end`, not both."""
    if period is not None and (start is not None or end is not None):
        raise ValidationError.field("period", period, "give either period or start/end, not both")
    if start is not None and end is not None and start > end:
        raise ValidationError.field("start", start.isoformat(), "must not be after end")
    if period is not None:
        days = PERIODS[period]
        first = None if days is None else today - timedelta(days=days - 1)
        return replace(scope, start=first.isoformat() if first else None, end=today.isoformat())
    return replace(scope, start=start.isoformat() if start else None, end=(end or today).isoformat())


def _pct(numerator: int, denominator: int) -> float | None:
    if denominator <= 0:
        return None
    return float((Decimal(numerator) * 100 / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class PerformanceService:
    """Metrics for a wheel, a portfolio, a symbol or everything; side by side; ranked; over time."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        prices: HeldPrices | None = None,
        cache_size: int = 128,
        marks: OptionMarks | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.prices = prices
        self.marks = marks
        self.wheel_cycles = WheelCycles(db, clock, prices)
        self._cache: OrderedDict[Hashable, list[Row]] = OrderedDict()
        self._cache_size = cache_size

    async def _totals(self, scope: Scope, group_by: str | None) -> list[Row]:
        today = self.clock.today_ny().isoformat()
        key = (scope, group_by, today, self.db.version)
        rows = self._cache.get(key)
        if rows is None:
            rows = await repo.select_totals(self.db.reader, scope, today, group_by)
            self._remember(key, rows)
        return rows

    async def _cycle_results(self, scope: Scope, group_by: str | None) -> dict[Any, Row]:
        """Closed and won cycles of the scope, cached like the sums until the next write."""
        key = ("cycles", scope, group_by, self.db.version)
        rows = self._cache.get(key)
        if rows is None:
            rows = list((await repo.cycle_results(self.db.reader, scope, group_by)).values())
            self._remember(key, rows)
        return {row["grp"]: row for row in rows}

    def _remember(self, key: Hashable, rows: list[Row]) -> None:
        self._cache[key] = rows
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _holdings(self, scope: Scope) -> tuple[list[Row], dict[str, Quote]]:
        """The scope's wheels holding shares, and quotes for their symbols (one batched fetch at most)."""
        clauses, params = [], []
        for value, column in ((scope.portfolio_id, "portfolio_id"), (scope.wheel_id, "id"), (scope.symbol, "symbol")):
            if value is not None:
                clauses.append(f"AND {column} = ?")
                params.append(value)
        held = await repo.holdings(self.db.reader, " ".join(clauses), tuple(params))
        # Only a period that reaches today has unrealized P&L: an earlier one needs no price.
        current = scope.end is None or scope.end >= self.clock.today_ny().isoformat()
        symbols = [h["symbol"] for h in held] if current else []
        quotes = await self.prices.quotes(symbols) if self.prices is not None and symbols else {}
        return held, quotes

    async def _open_marks(self, scope: Scope) -> list[tuple[Row, OptionMark]]:
        """The scope's open options counted in its P&L (opened in the period), each with its mark."""
        if self.marks is None:
            return []
        filters = {"portfolio_id": scope.portfolio_id, "wheel_id": scope.wheel_id, "symbol": scope.symbol}
        key = ("open", scope.portfolio_id, scope.wheel_id, scope.symbol, self.db.version)
        rows = self._cache.get(key)
        if rows is None:
            rows = await positions_repo.open_positions(self.db.reader, filters)
            self._remember(key, rows)
        rows = [
            r
            for r in rows
            if (scope.start is None or r["opened_on"] >= scope.start)
            and (scope.end is None or r["opened_on"] <= scope.end)
        ]
        marks = await self.marks.marks_of(rows, self.clock.today_ny())
        return list(zip(rows, marks, strict=True))

    def _marked(self, current: bool, options: list[tuple[Row, OptionMark]] | None, total_pnl: int) -> dict[str, Any]:
        """unrealized_option_pnl and total_pnl_marked: figures of today's marks, so of a period reaching today."""
        if options is None:
            return {}
        if not current:
            return {"unrealized_option_pnl": None, "total_pnl_marked": None, "unmarked_options": 0}
        return option_totals((m for _, m in options), total_pnl)

    async def _capital(self, scope: Scope, group_by: str | None = None) -> dict[Any, int]:
        """Capital allocated to the scope's active wheels, whole (key None) or by portfolio_id / symbol."""
        key = {"portfolio": "portfolio_id", "symbol": "symbol", None: "NULL"}[group_by]
        rows = await self.db.fetch_all(
            f"SELECT {key} AS grp, coalesce(sum(capital_allocated_cents), 0) FROM wheels WHERE archived_at IS NULL"
            " AND (? IS NULL OR portfolio_id = ?) AND (? IS NULL OR id = ?) AND (? IS NULL OR symbol = ?)"
            f" GROUP BY {key}",
            (scope.portfolio_id, scope.portfolio_id, scope.wheel_id, scope.wheel_id, scope.symbol, scope.symbol),
        )
        return {row[0]: int(row[1]) for row in rows}

    async def check_scope(self, scope: Scope) -> None:
        """404 for a portfolio or wheel that does not exist."""
        if (
            scope.portfolio_id is not None
            and await self.db.fetch_one("SELECT 1 FROM portfolios WHERE id = ?", (scope.portfolio_id,)) is None
        ):
            raise NotFound(f"portfolio {scope.portfolio_id} not found", {"portfolio_id": scope.portfolio_id})
        if (
            scope.wheel_id is not None
            and await self.db.fetch_one("SELECT 1 FROM wheels WHERE id = ?", (scope.wheel_id,)) is None
        ):
            raise NotFound(f"wheel {scope.wheel_id} not found", {"wheel_id": scope.wheel_id})

    def _figures(
        self,
        scope: Scope,
        sums: Row | None,
        held: list[Row],
        quotes: dict[str, Quote],
        capital: int,
        cycles: Row | None = None,
        options: list[tuple[Row, OptionMark]] | None = None,
    ) -> dict[str, Any]:
        today = self.clock.today_ny()
        # Unrealized P&L is a figure of today's holdings: only a period that reaches today has it.
        current = scope.end is None or scope.end >= today.isoformat()
        holdings = (
            [
                Holding(h["symbol"], h["shares"], h["cost_basis_cents"] or 0, price_cents(quotes, h["symbol"]))
                for h in held
            ]
            if current
            else []
        )
        totals = repo.as_trade_totals(sums) if sums is not None else TradeTotals()
        m = compute_metrics(totals, holdings)
        first = scope.start or (sums["first_opened_on"] if sums is not None and sums["first_opened_on"] else None)
        start = date.fromisoformat(first) if first else today
        end = date.fromisoformat(scope.end) if scope.end else today
        days = max(1, (end - start).days + 1)
        collateral_days = int(sums["collateral_day_cents"]) if sums is not None else 0
        return {
            "portfolio_id": scope.portfolio_id,
            "wheel_id": scope.wheel_id,
            "symbol": scope.symbol,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "days": days,
            "total_premium": m.total_premium_cents,
            "total_trades": m.total_trades,
            "open_trades": m.open_trades,
            "settled_trades": m.settled_trades,
            "winning_trades": m.winning_trades,
            "losing_trades": m.losing_trades,
            "win_rate": m.win_rate,
            "cycles_closed": int(cycles["cycles_closed"]) if cycles is not None else 0,
            "cycles_won": int(cycles["cycles_won"]) if cycles is not None else 0,
            "cycle_win_rate": (
                cycle_win_rate(int(cycles["cycles_won"]), int(cycles["cycles_closed"])) if cycles is not None else None
            ),
            "average_premium": m.average_premium_cents,
            "fees": m.fees_cents,
            "close_costs": m.close_costs_cents,
            "premium_net": m.premium_net_cents,
            "realized_stock_pnl": m.realized_stock_pnl_cents,
            "unrealized_stock_pnl": m.unrealized_stock_pnl_cents if current else None,
            "total_pnl": m.total_pnl_cents,
            "capital_allocated": capital,
            # Collateral the trades put to work: Σ strike × 100 × contracts.
            "capital_deployed": int(sums["collateral_cents"]) if sums is not None else 0,
            # Net premium on collateral, per year: Σ net / Σ (collateral × days) × 365 (one trade: the
            # DESIGN.md formula net / collateral × 365 / days held).
            "annualized_return": _pct(m.premium_net_cents * 365, collateral_days),
            "return_on_capital": _pct(m.total_pnl_cents, capital),
            "unpriced_symbols": list(m.unpriced_symbols),
            **quote_age_fields(quotes, [h.symbol for h in holdings]),
            **self._marked(current, options, m.total_pnl_cents),
        }

    async def metrics(self, scope: Scope) -> dict[str, Any]:
        """PerformanceMetrics for one scope and period."""
        await self.check_scope(scope)
        rows = await self._totals(scope, None)
        sums = rows[0] if rows and rows[0]["trades"] else None
        capital = (await self._capital(scope)).get(None, 0)
        held, quotes = await self._holdings(scope)
        cycles = (await self._cycle_results(scope, None)).get(None)
        figures = self._figures(scope, sums, held, quotes, capital, cycles, await self._open_marks(scope))
        if scope.wheel_id is not None:
            figures["cycles"] = (await self.wheel_cycles.for_wheel(scope.wheel_id))["cycles"]
        return figures

    async def by_portfolio(self, scope: Scope) -> list[dict[str, Any]]:
        """The metrics of every portfolio side by side (portfolios without trades included)."""
        await self.check_scope(scope)
        rows = {r["grp"]: r for r in await self._totals(scope, "portfolio")}
        portfolios = await self.db.fetch_all(
            "SELECT id, name FROM portfolios WHERE ? IS NULL OR id = ? ORDER BY id", (scope.portfolio_id,) * 2
        )
        held, quotes = await self._holdings(scope)
        capital = await self._capital(scope, "portfolio")
        cycles = await self._cycle_results(scope, "portfolio")
        options = await self._open_marks(scope)
        result = []
        for p in portfolios:
            part = replace(scope, portfolio_id=p["id"])
            mine = [h for h in held if h["portfolio_id"] == p["id"]]
            figures = self._figures(
                part,
                rows.get(p["id"]),
                mine,
                quotes,
                capital.get(p["id"], 0),
                cycles.get(p["id"]),
                [o for o in options if o[0]["portfolio_id"] == p["id"]],
            )
            result.append({"portfolio_name": p["name"], **figures})
        return result

    async def by_symbol(self, scope: Scope) -> list[dict[str, Any]]:
        """Every symbol's metrics, best to worst by total P&L (ties by symbol)."""
        await self.check_scope(scope)
        rows = {r["grp"]: r for r in await self._totals(scope, "symbol")}
        held: dict[str, list[Row]] = {}
        holdings, quotes = await self._holdings(scope)
        for holding in holdings:
            held.setdefault(holding["symbol"], []).append(holding)
        capital = await self._capital(scope, "symbol")
        cycles = await self._cycle_results(scope, "symbol")
        options = await self._open_marks(scope)
        result = []
        # A symbol is listed for its trades in the period, or (a period reaching today) for shares held.
        current = scope.end is None or scope.end >= self.clock.today_ny().isoformat()
        for symbol in sorted(set(rows) | (set(held) if current else set())):
            part = replace(scope, symbol=symbol)
            mine = held.get(symbol, [])
            mine_open = [o for o in options if o[0]["symbol"] == symbol]
            result.append(
                self._figures(
                    part, rows.get(symbol), mine, quotes, capital.get(symbol, 0), cycles.get(symbol), mine_open
                )
            )
        result.sort(key=lambda f: (-f["total_pnl"], f["symbol"]))
        for rank, figures in enumerate(result, start=1):
            figures["rank"] = rank
        return result

    async def timeline(self, scope: Scope) -> dict[str, Any]:
        """Daily and cumulative P&L (premium net + realized stock P&L) by settlement date, for charts."""
        await self.check_scope(scope)
        rows = await self._totals(scope, "day")
        points, cumulative = [], 0
        for row in rows:
            m = compute_metrics(repo.as_trade_totals(row), [])
            cumulative += m.total_pnl_cents
            points.append(
                {
                    "date": row["grp"],
                    "trades": m.total_trades,
                    "premium_net": m.premium_net_cents,
                    "realized_stock_pnl": m.realized_stock_pnl_cents,
                    "pnl": m.total_pnl_cents,
                    "cumulative_pnl": cumulative,
                }
            )
        figures = await self.metrics(scope)
        return {
            "period_start": figures["period_start"],
            "period_end": figures["period_end"],
            "points": points,
            "realized_total": cumulative,
            "unrealized_stock_pnl": figures["unrealized_stock_pnl"],
        }
