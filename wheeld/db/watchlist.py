"""SQL for the watchlist: symbols to scan, global (portfolio_id NULL) or per portfolio."""

from __future__ import annotations

import aiosqlite

from wheeld.db.connection import Row, execute, fetch_all, fetch_one, insert

COLUMNS = "w.id, w.symbol, w.portfolio_id, p.name AS portfolio_name, w.notes, w.profile, w.created_at"
FROM = "watchlist w LEFT JOIN portfolios p ON p.id = w.portfolio_id"
# Global entries first, then by portfolio; symbols in order within each.
ORDER = "coalesce(w.portfolio_id, 0), w.symbol, w.id"


async def insert_entry(
    conn: aiosqlite.Connection,
    symbol: str,
    portfolio_id: int | None,
    notes: str,
    profile: str | None,
    now: str,
) -> int:
    """Add a symbol (IntegrityError when the scope already lists it)."""
    return await insert(
        conn,
        "INSERT INTO watchlist (symbol, portfolio_id, notes, profile, created_at) VALUES (?, ?, ?, ?, ?)",
        (symbol, portfolio_id, notes, profile, now),
    )


async def get_entry(conn: aiosqlite.Connection, entry_id: int) -> Row | None:
    """One entry with its portfolio's name."""
    return await fetch_one(conn, f"SELECT {COLUMNS} FROM {FROM} WHERE w.id = ?", (entry_id,))


async def find_entry(conn: aiosqlite.Connection, symbol: str, portfolio_id: int | None) -> Row | None:
    """The entry of `symbol` in a portfolio, or the global one when `portfolio_id` is None."""
    return await fetch_one(
        conn,
        f"SELECT {COLUMNS} FROM {FROM} WHERE coalesce(w.portfolio_id, 0) = ? AND w.symbol = ?",
        (portfolio_id or 0, symbol),
    )


def _where(portfolio_id: int | None, global_only: bool) -> tuple[str, list[object]]:
    if global_only:
        return " WHERE w.portfolio_id IS NULL", []
    if portfolio_id is not None:
        return " WHERE w.portfolio_id = ?", [portfolio_id]
    return "", []


async def list_entries(
    conn: aiosqlite.Connection, portfolio_id: int | None, global_only: bool, limit: int, offset: int
) -> tuple[list[Row], int]:
    """A page of entries (all, one portfolio's, or the global ones) and the total count."""
    where, params = _where(portfolio_id, global_only)
    rows = await fetch_all(
        conn, f"SELECT {COLUMNS} FROM {FROM}{where} ORDER BY {ORDER} LIMIT ? OFFSET ?", [*params, limit, offset]
    )
    total = await fetch_one(conn, f"SELECT count(*) FROM watchlist w{where}", params)
    return rows, int(total[0]) if total else 0


async def scan_entries(conn: aiosqlite.Connection, portfolio_id: int | None) -> list[Row]:
    """Entries a scan covers: every one, or a portfolio's own plus the global ones."""
    if portfolio_id is None:
        return await fetch_all(conn, f"SELECT {COLUMNS} FROM {FROM} ORDER BY {ORDER}")
    return await fetch_all(
        conn,
        f"SELECT {COLUMNS} FROM {FROM} WHERE w.portfolio_id IS NULL OR w.portfolio_id = ? ORDER BY {ORDER}",
        (portfolio_id,),
    )


async def delete_entry(conn: aiosqlite.Connection, symbol: str, portfolio_id: int | None) -> int:
    """Remove a symbol from a portfolio's list (or the global one); returns rows deleted."""
    return await execute(
        conn, "DELETE FROM watchlist WHERE coalesce(portfolio_id, 0) = ? AND symbol = ?", (portfolio_id or 0, symbol)
    )
