"""SQL for trades."""

from __future__ import annotations

from typing import Any

import aiosqlite

from wheeld.db.connection import Row, fetch_all, fetch_one, insert_row, update_row

COLUMNS = (
    "t.id, t.wheel_id, w.portfolio_id, t.symbol, t.direction, t.strike_cents, t.expiration_date, t.contracts,"
    " t.total_premium_cents, t.fees_cents, t.close_cost_cents, t.outcome, t.result,"
    " t.stock_price_at_expiry_cents, t.realized_stock_pnl_cents, t.cycle, t.opened_at, t.settled_at,"
    " t.opened_on, t.settled_on, t.rolled_from_id, t.rolled_to_id, t.notes, t.tags, t.created_at,"
    " t.updated_at"
)
FROM = "trades t JOIN wheels w ON w.id = t.wheel_id"
SORTABLE = {
    "id": "t.id",
    "opened_at": "t.opened_at",
    "settled_at": "t.settled_at",
    "expiration_date": "t.expiration_date",
    "symbol": "t.symbol",
    "strike": "t.strike_cents",
    "total_premium": "t.total_premium_cents",
    "created_at": "t.created_at",
    "outcome": "t.outcome",
}
UPDATABLE = {
    "notes",
    # a partial settlement narrows the trade to the settled part (the rest becomes a new trade)
    "contracts",
    "total_premium_cents",
    "tags",
    "fees_cents",
    "outcome",
    "result",
    "close_cost_cents",
    "stock_price_at_expiry_cents",
    "realized_stock_pnl_cents",
    "settled_at",
    "settled_on",
    "rolled_to_id",
}


async def insert_trade(conn: aiosqlite.Connection, values: dict[str, Any]) -> int:
    """Create a trade row from a dict of column values."""
    return await insert_row(conn, "trades", values)


async def get_trade(conn: aiosqlite.Connection, trade_id: int) -> Row | None:
    """One trade with its wheel's portfolio id."""
    return await fetch_one(conn, f"SELECT {COLUMNS} FROM {FROM} WHERE t.id = ?", (trade_id,))


async def open_trade_of(conn: aiosqlite.Connection, wheel_id: int) -> Row | None:
    """The wheel's open option, if any."""
    return await fetch_one(
        conn, f"SELECT {COLUMNS} FROM {FROM} WHERE t.wheel_id = ? AND t.outcome = 'open'", (wheel_id,)
    )


async def open_trades_of(conn: aiosqlite.Connection, wheel_ids: list[int]) -> dict[int, Row]:
    """Open options of several wheels, by wheel id (one query)."""
    if not wheel_ids:
        return {}
    marks = ", ".join("?" for _ in wheel_ids)
    rows = await fetch_all(
        conn, f"SELECT {COLUMNS} FROM {FROM} WHERE t.outcome = 'open' AND t.wheel_id IN ({marks})", wheel_ids
    )
    return {row["wheel_id"]: row for row in rows}


def where_clause(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """WHERE for the trade history filters (already validated by the service)."""
    clauses, params = [], []
    for name, column in (
        ("portfolio_id", "w.portfolio_id"),
        ("wheel_id", "t.wheel_id"),
        ("symbol", "t.symbol"),
        ("direction", "t.direction"),
    ):
        if filters.get(name) is not None:
            clauses.append(f"{column} = ?")
            params.append(filters[name])
    if filters.get("outcomes"):
        clauses.append(f"t.outcome IN ({', '.join('?' for _ in filters['outcomes'])})")
        params.extend(filters["outcomes"])
    start, end = filters.get("start"), filters.get("end")
    if start or end:
        # A trade is in a date range when it was opened or settled inside it.
        low, high = start or "0000-01-01", end or "9999-12-31"
        clauses.append("((t.opened_on BETWEEN ? AND ?) OR (t.settled_on BETWEEN ? AND ?))")
        params.extend([low, high, low, high])
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


async def list_trades(
    conn: aiosqlite.Connection, filters: dict[str, Any], order_by: str, limit: int, offset: int
) -> list[Row]:
    """A page of trades matching the filters."""
    where, params = where_clause(filters)
    return await fetch_all(
        conn,
        f"SELECT {COLUMNS} FROM {FROM}{where} ORDER BY {order_by} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )


async def count_trades(conn: aiosqlite.Connection, filters: dict[str, Any]) -> int:
    """How many trades match the filters."""
    where, params = where_clause(filters)
    row = await fetch_one(conn, f"SELECT count(*) FROM {FROM}{where}", params)
    return int(row[0]) if row else 0


async def update_trade(conn: aiosqlite.Connection, trade_id: int, changes: dict[str, Any], now: str) -> int:
    """Update whitelisted columns of one trade."""
    return await update_row(conn, "trades", trade_id, changes, UPDATABLE, now)
