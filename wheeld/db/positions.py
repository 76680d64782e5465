"""SQL for open positions: open trades with their wheel, in one query."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiosqlite

from wheeld.db.connection import Row, fetch_all


async def open_positions(conn: aiosqlite.Connection, filters: Mapping[str, Any]) -> list[Row]:
    """Open trades (active wheels) with the fields position status needs, by expiration then id."""
    clauses, params = ["t.outcome = 'open'", "w.archived_at IS NULL"], []
    for name, column in (("portfolio_id", "w.portfolio_id"), ("wheel_id", "t.wheel_id"), ("symbol", "t.symbol")):
        if filters.get(name) is not None:
            clauses.append(f"{column} = ?")
            params.append(filters[name])
    if filters.get("expires_before") is not None:
        clauses.append("t.expiration_date < ?")
        params.append(filters["expires_before"])
    return await fetch_all(
        conn,
        "SELECT t.id AS trade_id, t.wheel_id, w.portfolio_id, t.symbol, w.state, w.shares, t.direction,"
        " t.strike_cents, t.expiration_date, t.contracts, t.total_premium_cents, t.fees_cents, t.opened_at,"
        " t.opened_on, w.profile, w.cost_basis_cents, w.capital_allocated_cents"
        " FROM trades t JOIN wheels w ON w.id = t.wheel_id"
        f" WHERE {' AND '.join(clauses)} ORDER BY t.expiration_date, t.id",
        params,
    )


async def priced_symbols(conn: aiosqlite.Connection, portfolio_id: int | None = None) -> list[str]:
    """Distinct symbols that need a price: an open option (active wheels) or shares held (any wheel,
    since an archived wheel's shares still count in the P&L), optionally in one portfolio."""
    rows = await fetch_all(
        conn,
        "SELECT t.symbol FROM trades t JOIN wheels w ON w.id = t.wheel_id"
        " WHERE t.outcome = 'open' AND w.archived_at IS NULL AND (? IS NULL OR w.portfolio_id = ?)"
        " UNION SELECT symbol FROM wheels WHERE shares > 0 AND (? IS NULL OR portfolio_id = ?)"
        " ORDER BY 1",
        (portfolio_id, portfolio_id, portfolio_id, portfolio_id),
    )
    return [row[0] for row in rows]
