"""SQL for daily position snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiosqlite

from wheeld.db.connection import Row, execute, fetch_all, fetch_one

COLUMNS = (
    "s.id, s.trade_id, s.wheel_id, w.portfolio_id, w.symbol, t.direction, t.strike_cents, t.expiration_date,"
    " t.total_premium_cents, t.contracts, s.snapshot_date, s.current_price_cents, s.dte_calendar, s.dte_trading,"
    " s.moneyness_pct, s.is_itm, s.risk_level, s.option_mark, s.price_source, s.price_as_of, s.created_at,"
    " s.updated_at"
)
FROM = "snapshots s JOIN trades t ON t.id = s.trade_id JOIN wheels w ON w.id = s.wheel_id"


async def upsert(conn: aiosqlite.Connection, values: Mapping[str, Any]) -> int:
    """Insert today's row for a trade, or update it (one row per trade and date)."""
    columns = list(values)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("trade_id", "snapshot_date", "created_at"))
    return await execute(
        conn,
        f"INSERT INTO snapshots ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
        f" ON CONFLICT (trade_id, snapshot_date) DO UPDATE SET {updates}",
        [values[c] for c in columns],
    )


def _where(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for name, column in (
        ("trade_id", "s.trade_id"),
        ("wheel_id", "s.wheel_id"),
        ("portfolio_id", "w.portfolio_id"),
        ("symbol", "w.symbol"),
    ):
        if filters.get(name) is not None:
            clauses.append(f"{column} = ?")
            params.append(filters[name])
    if filters.get("start"):
        clauses.append("s.snapshot_date >= ?")
        params.append(filters["start"])
    if filters.get("end"):
        clauses.append("s.snapshot_date <= ?")
        params.append(filters["end"])
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


async def list_snapshots(
    conn: aiosqlite.Connection, filters: Mapping[str, Any], order_by: str, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A page of snapshots matching the filters, and the total."""
    where, params = _where(filters)
    rows = await fetch_all(
        conn, f"SELECT {COLUMNS} FROM {FROM}{where} ORDER BY {order_by} LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    total = await fetch_one(conn, f"SELECT count(*) FROM {FROM}{where}", params)
    return rows, int(total[0]) if total else 0


async def latest_for_trade(conn: aiosqlite.Connection, trade_id: int) -> Row | None:
    """The most recent snapshot of one trade."""
    return await fetch_one(
        conn, f"SELECT {COLUMNS} FROM {FROM} WHERE s.trade_id = ? ORDER BY s.snapshot_date DESC LIMIT 1", (trade_id,)
    )


async def series_for_trade(conn: aiosqlite.Connection, trade_id: int) -> list[Row]:
    """Every snapshot of one trade in date order (trends)."""
    return await fetch_all(
        conn, f"SELECT {COLUMNS} FROM {FROM} WHERE s.trade_id = ? ORDER BY s.snapshot_date", (trade_id,)
    )
