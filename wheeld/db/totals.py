"""SQL sums over trades: the one place trade money is added up."""

from __future__ import annotations

from typing import Any

import aiosqlite

from wheeld.db.connection import Row, fetch_all, fetch_one

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


async def portfolio_totals(conn: aiosqlite.Connection, portfolio_id: int) -> Row:
    """Trade sums of one portfolio (archived wheels included: their trades stay in every total)."""
    row = await fetch_one(
        conn,
        f"SELECT {_SUMS} FROM trades t JOIN wheels w ON w.id = t.wheel_id WHERE w.portfolio_id = ?",
        (portfolio_id,),
    )
    assert row is not None
    return row


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
