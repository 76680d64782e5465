"""SQL for opportunity scans and their ranked results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite

from wheeld.db.connection import Row, execute, fetch_all, fetch_one, insert_row

SCAN_COLUMNS = "id, started_at, finished_at, criteria, count, candidates, excluded, trigger, portfolio_id"
OPPORTUNITY_FIELDS = (
    "rank",
    "symbol",
    "wheel_id",
    "portfolio_id",
    "profile",
    "score",
    "score_parts",
    "direction",
    "option_symbol",
    "strike_cents",
    "expiration_date",
    "dte",
    "bid",
    "ask",
    "mid",
    "premium_cents",
    "collateral_cents",
    "delta",
    "iv",
    "sigma_distance",
    "p_itm",
    "open_interest",
    "spread_pct",
    "premium_yield_pct",
    "annualized_yield_pct",
    "break_even",
    "price",
    "iv_rank",
    "trend",
    "warnings",
)


async def insert_scan(conn: aiosqlite.Connection, values: Mapping[str, Any]) -> int:
    """Store one scan's record (its results go in with `insert_opportunities`)."""
    return await insert_row(conn, "opportunity_scans", values)


async def insert_opportunities(conn: aiosqlite.Connection, scan_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store a scan's ranked results in one statement."""
    if not rows:
        return
    columns = ", ".join(("scan_id", *OPPORTUNITY_FIELDS))
    marks = ", ".join("?" for _ in range(len(OPPORTUNITY_FIELDS) + 1))
    await conn.executemany(
        f"INSERT INTO opportunities ({columns}) VALUES ({marks})",
        [(scan_id, *(row[name] for name in OPPORTUNITY_FIELDS)) for row in rows],
    )


async def get_scan(conn: aiosqlite.Connection, scan_id: int) -> Row | None:
    """One scan's record."""
    return await fetch_one(conn, f"SELECT {SCAN_COLUMNS} FROM opportunity_scans WHERE id = ?", (scan_id,))


async def latest_scan(conn: aiosqlite.Connection) -> Row | None:
    """The most recent scan's record, or None before the first scan."""
    return await fetch_one(conn, f"SELECT {SCAN_COLUMNS} FROM opportunity_scans ORDER BY id DESC LIMIT 1")


async def list_opportunities(
    conn: aiosqlite.Connection, scan_id: int, limit: int = -1, offset: int = 0
) -> tuple[list[Row], int]:
    """A page of one scan's results, best first, and how many it has."""
    rows = await fetch_all(
        conn,
        "SELECT o.*, s.finished_at AS scanned_at FROM opportunities o JOIN opportunity_scans s ON s.id = o.scan_id"
        " WHERE o.scan_id = ? ORDER BY o.rank LIMIT ? OFFSET ?",
        (scan_id, limit, offset),
    )
    total = await fetch_one(conn, "SELECT count(*) FROM opportunities WHERE scan_id = ?", (scan_id,))
    return rows, int(total[0]) if total else 0


async def prune_scans(conn: aiosqlite.Connection, keep: int) -> int:
    """Delete all but the latest `keep` scans (their results cascade); returns scans deleted."""
    return await execute(
        conn,
        "DELETE FROM opportunity_scans WHERE id NOT IN (SELECT id FROM opportunity_scans ORDER BY id DESC LIMIT ?)",
        (keep,),
    )
