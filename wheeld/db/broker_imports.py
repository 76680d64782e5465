"""SQL for broker imports: the runs, the broker rows they accounted for, and what the plan reads."""

from __future__ import annotations

import json
from typing import Any

import aiosqlite

from wheeld.db.connection import Row, fetch_all, fetch_one, insert, insert_row


def _marks(values: list[Any]) -> str:
    return ", ".join("?" for _ in values)


async def known_keys(conn: aiosqlite.Connection, broker: str, keys: list[str]) -> set[str]:
    """The keys among `keys` that an earlier import already accounted for."""
    found: set[str] = set()
    for start in range(0, len(keys), 500):  # SQLite's variable limit is generous, but not unbounded
        chunk = keys[start : start + 500]
        rows = await fetch_all(
            conn,
            f"SELECT row_key FROM broker_import_rows WHERE broker = ? AND row_key IN ({_marks(chunk)})",
            [broker, *chunk],
        )
        found.update(r["row_key"] for r in rows)
    return found


async def active_wheels(conn: aiosqlite.Connection, portfolio_id: int, symbols: list[str]) -> list[Row]:
    """The portfolio's active (not archived) wheels for these symbols."""
    if not symbols:
        return []
    return await fetch_all(
        conn,
        "SELECT id, symbol, state, shares, cost_basis_cents, cycle FROM wheels"
        f" WHERE portfolio_id = ? AND archived_at IS NULL AND symbol IN ({_marks(symbols)})",
        [portfolio_id, *symbols],
    )


async def portfolio_trades(conn: aiosqlite.Connection, portfolio_id: int, symbols: list[str], source: str) -> list[Row]:
    """Every trade of the portfolio on these symbols, flagged when an import from `source` created or matched it."""
    if not symbols:
        return []
    return await fetch_all(
        conn,
        "SELECT t.id, t.wheel_id, t.symbol, t.direction, t.strike_cents, t.expiration_date, t.contracts,"
        " t.outcome, t.opened_on,"
        " EXISTS (SELECT 1 FROM broker_import_rows r JOIN broker_imports i ON i.id = r.import_id"
        "  WHERE r.trade_id = t.id AND i.source = ?) AS imported"
        " FROM trades t JOIN wheels w ON w.id = t.wheel_id"
        f" WHERE w.portfolio_id = ? AND t.symbol IN ({_marks(symbols)}) ORDER BY t.id",
        [source, portfolio_id, *symbols],
    )


async def insert_import(
    conn: aiosqlite.Connection, portfolio_id: int, source: str, report: dict[str, Any], now: str
) -> int:
    """Record one import run with its report."""
    return await insert(
        conn,
        "INSERT INTO broker_imports (portfolio_id, source, report, imported_at) VALUES (?, ?, ?, ?)",
        (portfolio_id, source, json.dumps(report), now),
    )


async def set_report(conn: aiosqlite.Connection, import_id: int, report: dict[str, Any]) -> None:
    """Store the finished report (it names the import's own id)."""
    await conn.execute("UPDATE broker_imports SET report = ? WHERE id = ?", (json.dumps(report), import_id))


async def insert_import_row(
    conn: aiosqlite.Connection, import_id: int, broker: str, key: str, line: int, step: str, trade_id: int | None
) -> int:
    """Remember that a broker row was accounted for (as `step`, into `trade_id`)."""
    return await insert_row(
        conn,
        "broker_import_rows",
        {"import_id": import_id, "broker": broker, "row_key": key, "line": line, "step": step, "trade_id": trade_id},
    )


async def get_import(conn: aiosqlite.Connection, import_id: int) -> Row | None:
    """One import run."""
    return await fetch_one(
        conn, "SELECT id, portfolio_id, source, report, imported_at FROM broker_imports WHERE id = ?", (import_id,)
    )


async def wheeld_figures(
    conn: aiosqlite.Connection, portfolio_id: int, symbols: list[str], first: str, last: str
) -> dict[str, Row]:
    """Per symbol: net option premium of the trades opened in [first, last], and contracts open now."""
    if not symbols:
        return {}
    rows = await fetch_all(
        conn,
        "SELECT t.symbol,"
        " SUM(CASE WHEN t.opened_on BETWEEN ? AND ?"
        "  THEN t.total_premium_cents - COALESCE(t.close_cost_cents, 0) - t.fees_cents ELSE 0 END) AS net_cents,"
        " SUM(CASE WHEN t.outcome = 'open' THEN t.contracts ELSE 0 END) AS open_contracts"
        " FROM trades t JOIN wheels w ON w.id = t.wheel_id"
        f" WHERE w.portfolio_id = ? AND t.symbol IN ({_marks(symbols)}) GROUP BY t.symbol",
        [first, last, portfolio_id, *symbols],
    )
    return {r["symbol"]: r for r in rows}
