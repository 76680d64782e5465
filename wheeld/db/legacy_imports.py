"""SQL for `legacy_imports`: which row of an old trades.db became which wheeld row (so re-runs skip it)."""

from __future__ import annotations

import aiosqlite

from wheeld.db.connection import Row, fetch_all, insert


async def mapped(conn: aiosqlite.Connection, source_key: str) -> dict[tuple[str, str], Row]:
    """Every row already imported from this source, by (legacy table, legacy id)."""
    rows = await fetch_all(
        conn,
        "SELECT legacy_table, legacy_id, wheel_id, trade_id FROM legacy_imports WHERE source_key = ?",
        (source_key,),
    )
    return {(row["legacy_table"], row["legacy_id"]): row for row in rows}


async def record(
    conn: aiosqlite.Connection,
    source_key: str,
    source_path: str,
    legacy_table: str,
    legacy_id: str,
    now: str,
    *,
    wheel_id: int | None = None,
    trade_id: int | None = None,
) -> int:
    """Remember that a legacy row was imported as this wheel or trade."""
    return await insert(
        conn,
        "INSERT INTO legacy_imports"
        " (source_key, source_path, legacy_table, legacy_id, wheel_id, trade_id, imported_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (source_key, source_path, legacy_table, legacy_id, wheel_id, trade_id, now),
    )


async def imported_trades(conn: aiosqlite.Connection, source_key: str) -> list[Row]:
    """Each trade imported from this source with what wheeld holds for it now (NULLs once deleted)."""
    return await fetch_all(
        conn,
        "SELECT li.legacy_id, t.id AS trade_id, t.total_premium_cents, t.outcome, p.name AS portfolio_name"
        " FROM legacy_imports li"
        " LEFT JOIN trades t ON t.id = li.trade_id"
        " LEFT JOIN wheels w ON w.id = t.wheel_id"
        " LEFT JOIN portfolios p ON p.id = w.portfolio_id"
        " WHERE li.source_key = ? AND li.legacy_table = 'trades'",
        (source_key,),
    )
