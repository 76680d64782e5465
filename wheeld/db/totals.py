"""SQL sums over trades: the one place trade money is added up."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import aiosqlite

from wheeld.db.connection import Row, fetch_all, fetch_one
from wheeld.domain.performance import TradeTotals

_SUMS = """
    count(t.id) AS trades,
    coalesce(sum(t.outcome = 'open'), 0) AS open_trades,
    coalesce(sum(t.result IS NOT NULL), 0) AS settled,
    coalesce(sum(t.result = 'win'), 0) AS wins,
    coalesce(sum(t.result = 'loss'), 0) AS losses,
    coalesce(sum(t.total_premium_cents), 0) AS premium_cents,
    coalesce(sum(t.fees_cents), 0) AS fees_cents,
    coalesce(sum(t.close_cost_cents), 0) AS close_costs_cents,
    coalesce(sum(t.realized_stock_pnl_cents), 0) AS realized_stock_pnl_cents
"""
TOTAL_FIELDS = (
    "trades",
    "open_trades",
    "settled",
    "wins",
    "losses",
    "premium_cents",
    "fees_cents",
    "close_costs_cents",
    "realized_stock_pnl_cents",
)


@dataclass(frozen=True)
class Scope:
    """Which trades a sum covers: a portfolio, a wheel, a symbol and a period of New York dates.

    A trade falls in a period by its settlement date (open trades by their opening date).
    """

    portfolio_id: int | None = None
    wheel_id: int | None = None
    symbol: str | None = None
    start: str | None = None
    end: str | None = None


GROUPS = {
    "portfolio": "w.portfolio_id",
    "symbol": "t.symbol",
    "wheel": "t.wheel_id",
    "day": "coalesce(t.settled_on, t.opened_on)",
}


def scope_where(scope: Scope) -> tuple[str, list[Any]]:
    """WHERE over trades t joined to wheels w for a scope."""
    clauses, params = [], []
    for value, column in (
        (scope.portfolio_id, "w.portfolio_id"),
        (scope.wheel_id, "t.wheel_id"),
        (scope.symbol, "t.symbol"),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if scope.start is not None:
        clauses.append("coalesce(t.settled_on, t.opened_on) >= ?")
        params.append(scope.start)
    if scope.end is not None:
        clauses.append("coalesce(t.settled_on, t.opened_on) <= ?")
        params.append(scope.end)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


async def select_totals(conn: aiosqlite.Connection, scope: Scope, today: str, group_by: str | None = None) -> list[Row]:
    """Trade sums for a scope, whole or grouped (portfolio, symbol, wheel or day), in one query.

    Besides the money sums it returns `collateral_day_cents`: Σ strike × 100 × contracts × days held
    (opened to settled, or to `today` while open; at least one day) for annualized returns.
    """
    where, params = scope_where(scope)
    key = GROUPS[group_by] if group_by else "NULL"
    group = f" GROUP BY {key} ORDER BY {key}" if group_by else ""
    return await fetch_all(
        conn,
        f"SELECT {key} AS grp, {_SUMS},"
        " coalesce(sum(t.strike_cents * 100 * t.contracts * max(1, julianday(coalesce(t.settled_on, ?))"
        " - julianday(t.opened_on))), 0) AS collateral_day_cents,"
        " coalesce(sum(t.strike_cents * 100 * t.contracts), 0) AS collateral_cents,"
        " min(t.opened_on) AS first_opened_on"
        f" FROM trades t JOIN wheels w ON w.id = t.wheel_id{where}{group}",
        [today, *params],
    )


async def portfolio_totals(conn: aiosqlite.Connection, portfolio_id: int) -> Row:
    """Trade sums of one portfolio, all time (archived wheels included: their trades stay in every total)."""
    rows = await select_totals(conn, Scope(portfolio_id=portfolio_id), "9999-12-31")
    return rows[0]


async def wheel_counts(conn: aiosqlite.Connection, portfolio_id: int) -> Row:
    """Wheel counts and capital allocated in one portfolio (capital of active wheels only)."""
    row = await fetch_one(
        conn,
        "SELECT count(*) AS total_wheels,"
        " coalesce(sum(archived_at IS NULL), 0) AS active_wheels,"
        " coalesce(sum(CASE WHEN archived_at IS NULL THEN capital_allocated_cents END), 0) AS capital_cents"
        " FROM wheels WHERE portfolio_id = ?",
        (portfolio_id,),
    )
    assert row is not None
    return row


async def holdings(conn: aiosqlite.Connection, where: str = "", params: tuple[Any, ...] = ()) -> list[Row]:
    """Wheels holding shares (symbol, shares, entry price), optionally filtered."""
    return await fetch_all(
        conn,
        f"SELECT id, portfolio_id, symbol, shares, cost_basis_cents FROM wheels WHERE shares > 0 {where}",
        params,
    )


async def cycle_nets(conn: aiosqlite.Connection, wheel_ids: list[int]) -> dict[int, int]:
    """Net premium of each wheel's current cycle, by wheel id (one query)."""
    if not wheel_ids:
        return {}
    marks = ", ".join("?" for _ in wheel_ids)
    rows = await fetch_all(
        conn,
        "SELECT t.wheel_id, sum(t.total_premium_cents - coalesce(t.close_cost_cents, 0) - t.fees_cents)"
        f" FROM trades t JOIN wheels w ON w.id = t.wheel_id AND t.cycle = w.cycle"
        f" WHERE t.wheel_id IN ({marks}) GROUP BY t.wheel_id",
        wheel_ids,
    )
    return {int(r[0]): int(r[1]) for r in rows}


def as_trade_totals(row: Row) -> TradeTotals:
    """The domain's TradeTotals from a sums row."""
    return TradeTotals(**{name: int(row[name]) for name in TOTAL_FIELDS})


async def cycle_results(conn: aiosqlite.Connection, scope: Scope, group_by: str | None = None) -> dict[Any, Row]:
    """Closed cycles and how many won (total P&L > 0), whole (key None) or by portfolio / symbol.

    A cycle is closed once its wheel has moved on to a later one; all its trades are then settled
    and, back in cash, it holds no shares, so its total P&L is Σ net premium + Σ realized stock P&L.
    It falls in a period by the day it ended (its last settlement).
    """
    where, params = scope_where(replace(scope, start=None, end=None))
    key = {"portfolio": "w.portfolio_id", "symbol": "w.symbol", None: "NULL"}[group_by]
    rows = await fetch_all(
        conn,
        "SELECT grp, count(*) AS cycles_closed, coalesce(sum(pnl > 0), 0) AS cycles_won FROM ("
        f" SELECT {key} AS grp, max(t.settled_on) AS ended_on,"
        " sum(t.total_premium_cents - coalesce(t.close_cost_cents, 0) - t.fees_cents + t.realized_stock_pnl_cents)"
        " AS pnl FROM trades t JOIN wheels w ON w.id = t.wheel_id"
        f"{where}{' AND' if where else ' WHERE'} t.cycle < w.cycle GROUP BY t.wheel_id, t.cycle)"
        " WHERE (? IS NULL OR ended_on >= ?) AND (? IS NULL OR ended_on <= ?) GROUP BY grp",
        [*params, scope.start, scope.start, scope.end, scope.end],
    )
    return {row["grp"]: row for row in rows}


async def wheel_trades_for_cycles(conn: aiosqlite.Connection, wheel_id: int) -> list[Row]:
    """A wheel's trades with what its cycles need, in the order they were opened."""
    return await fetch_all(
        conn,
        "SELECT id, cycle, direction, outcome, strike_cents, contracts, total_premium_cents, fees_cents,"
        " close_cost_cents, realized_stock_pnl_cents, opened_on, settled_on FROM trades WHERE wheel_id = ?"
        " ORDER BY opened_on, id",
        (wheel_id,),
    )
