"""SQL for wheels."""

from __future__ import annotations

from typing import Any

import aiosqlite

from wheeld.db.connection import Row, execute, fetch_all, fetch_one, insert_row, update_row

COLUMNS = (
    "w.id, w.portfolio_id, p.name AS portfolio_name, w.symbol, w.state, w.profile, w.capital_allocated_cents,"
    " w.shares, w.cost_basis_cents, w.starting_direction, w.cycle, w.notes, w.archived_at, w.created_at,"
    " w.updated_at"
)
FROM = "wheels w JOIN portfolios p ON p.id = w.portfolio_id"
SORTABLE = {
    "id": "w.id",
    "symbol": "w.symbol",
    "state": "w.state",
    "created_at": "w.created_at",
    "capital_allocated": "w.capital_allocated_cents",
    "portfolio_id": "w.portfolio_id",
}
UPDATABLE = {
    "profile",
    "capital_allocated_cents",
    "notes",
    "archived_at",
    "state",
    "shares",
    "cost_basis_cents",
    "cycle",
}


async def insert_wheel(conn: aiosqlite.Connection, values: dict[str, Any]) -> int:
    """Create a wheel row from a dict of column values."""
    return await insert_row(conn, "wheels", values)


async def get_wheel(conn: aiosqlite.Connection, wheel_id: int) -> Row | None:
    """One wheel with its portfolio's name."""
    return await fetch_one(conn, f"SELECT {COLUMNS} FROM {FROM} WHERE w.id = ?", (wheel_id,))


def _where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for name, column in (
        ("portfolio_id", "w.portfolio_id"),
        ("symbol", "w.symbol"),
        ("state", "w.state"),
        ("profile", "w.profile"),
    ):
        if filters.get(name) is not None:
            clauses.append(f"{column} = ?")
            params.append(filters[name])
    archived = filters.get("archived", "false")
    if archived == "false":
        clauses.append("w.archived_at IS NULL")
    elif archived == "true":
        clauses.append("w.archived_at IS NOT NULL")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


async def list_wheels(
    conn: aiosqlite.Connection, filters: dict[str, Any], order_by: str, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A page of wheels matching the filters, and the total count."""
    where, params = _where(filters)
    rows = await fetch_all(
        conn,
        f"SELECT {COLUMNS} FROM {FROM}{where} ORDER BY {order_by} LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    total = await fetch_one(conn, f"SELECT count(*) FROM {FROM}{where}", params)
    return rows, int(total[0]) if total else 0


async def update_wheel(conn: aiosqlite.Connection, wheel_id: int, changes: dict[str, Any], now: str) -> int:
    """Update whitelisted columns of one wheel."""
    return await update_row(conn, "wheels", wheel_id, changes, UPDATABLE, now)


async def delete_wheel(conn: aiosqlite.Connection, wheel_id: int) -> int:
    """Delete one wheel (its trades cascade)."""
    return await execute(conn, "DELETE FROM wheels WHERE id = ?", (wheel_id,))


async def active_symbol_taken(
    conn: aiosqlite.Connection, portfolio_id: int, symbol: str, except_id: int | None = None
) -> bool:
    """Whether the portfolio already has an active wheel on this symbol."""
    row = await fetch_one(
        conn,
        "SELECT 1 FROM wheels WHERE portfolio_id = ? AND symbol = ? AND archived_at IS NULL AND id != ?",
        (portfolio_id, symbol, except_id or 0),
    )
    return row is not None
