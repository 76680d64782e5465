"""SQL for portfolios."""

from __future__ import annotations

from typing import Any

import aiosqlite

from wheeld.db.connection import Row, execute, fetch_all, fetch_one, insert, update_row

COLUMNS = "id, name, description, default_capital_cents, is_default, created_at, updated_at"
UPDATABLE = frozenset({"name", "description", "default_capital_cents"})
SORTABLE = {
    "id": "id",
    "name": "name COLLATE NOCASE",
    "created_at": "created_at",
    "default_capital": "default_capital_cents",
}


async def insert_portfolio(
    conn: aiosqlite.Connection, name: str, description: str, default_capital_cents: int, now: str
) -> int:
    """Create a portfolio; it becomes the default when no other portfolio exists."""
    return await insert(
        conn,
        "INSERT INTO portfolios"
        " (name, description, default_capital_cents, is_default, created_at, updated_at)"
        " VALUES (?, ?, ?, NOT EXISTS (SELECT 1 FROM portfolios), ?, ?)",
        (name, description, default_capital_cents, now, now),
    )


async def get_portfolio(conn: aiosqlite.Connection, portfolio_id: int) -> Row | None:
    """One portfolio by id."""
    return await fetch_one(conn, f"SELECT {COLUMNS} FROM portfolios WHERE id = ?", (portfolio_id,))


async def get_by_name(conn: aiosqlite.Connection, name: str) -> Row | None:
    """One portfolio by name (case-insensitive)."""
    return await fetch_one(conn, f"SELECT {COLUMNS} FROM portfolios WHERE name = ?", (name,))


async def get_default(conn: aiosqlite.Connection) -> Row | None:
    """The default portfolio, if any portfolio exists."""
    return await fetch_one(conn, f"SELECT {COLUMNS} FROM portfolios WHERE is_default = 1")


async def list_portfolios(conn: aiosqlite.Connection, order_by: str, limit: int, offset: int) -> list[Row]:
    """A page of portfolios in the given (whitelisted) order."""
    return await fetch_all(
        conn, f"SELECT {COLUMNS} FROM portfolios ORDER BY {order_by} LIMIT ? OFFSET ?", (limit, offset)
    )


async def count_portfolios(conn: aiosqlite.Connection) -> int:
    """How many portfolios exist."""
    row = await fetch_one(conn, "SELECT count(*) FROM portfolios")
    return int(row[0]) if row else 0


async def update_portfolio(conn: aiosqlite.Connection, portfolio_id: int, changes: dict[str, Any], now: str) -> int:
    """Update the given columns (names come from the service, never from clients)."""
    return await update_row(conn, "portfolios", portfolio_id, changes, UPDATABLE, now)


async def set_default(conn: aiosqlite.Connection, portfolio_id: int, now: str) -> None:
    """Make one portfolio the default (and no other)."""
    await execute(
        conn,
        "UPDATE portfolios SET is_default = 0, updated_at = ? WHERE is_default = 1 AND id != ?",
        (now, portfolio_id),
    )
    await execute(conn, "UPDATE portfolios SET is_default = 1, updated_at = ? WHERE id = ?", (now, portfolio_id))


async def delete_portfolio(conn: aiosqlite.Connection, portfolio_id: int) -> int:
    """Delete a portfolio (wheels, trades and everything below cascade)."""
    return await execute(conn, "DELETE FROM portfolios WHERE id = ?", (portfolio_id,))


async def oldest_portfolio_id(conn: aiosqlite.Connection) -> int | None:
    """The oldest remaining portfolio (the next default)."""
    row = await fetch_one(conn, "SELECT id FROM portfolios ORDER BY created_at, id LIMIT 1")
    return int(row[0]) if row else None


async def counts(conn: aiosqlite.Connection) -> dict[str, int]:
    """Numbers of portfolios, wheels and trades (system info)."""
    row = await fetch_one(
        conn,
        "SELECT (SELECT count(*) FROM portfolios), (SELECT count(*) FROM wheels),"
        " (SELECT count(*) FROM wheels WHERE archived_at IS NULL),"
        " (SELECT count(*) FROM trades), (SELECT count(*) FROM trades WHERE outcome = 'open')",
    )
    assert row is not None
    return {
        "portfolios": row[0],
        "wheels": row[1],
        "active_wheels": row[2],
        "trades": row[3],
        "open_trades": row[4],
    }
