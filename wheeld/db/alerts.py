"""SQL for alerts and their deliveries."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import aiosqlite

from wheeld.db.connection import Row, execute, fetch_all, fetch_one, insert, insert_row

COLUMNS = (
    "id, kind, severity, condition_key, message, details, portfolio_id, wheel_id, trade_id, symbol,"
    " source, created_at, acknowledged_at, cleared_at"
)
# Filter name → SQL condition; values come as parameters, names from the service.
_FILTERS = {
    "kind": "kind = ?",
    "severity": "severity = ?",
    "portfolio_id": "portfolio_id = ?",
    "wheel_id": "wheel_id = ?",
    "trade_id": "trade_id = ?",
    "symbol": "symbol = ?",
    "source": "source = ?",
    "since": "created_at >= ?",
}


def _where(filters: Mapping[str, Any]) -> tuple[str, list[Any]]:
    clauses, params = [], []
    for name, clause in _FILTERS.items():
        if filters.get(name) is not None:
            clauses.append(clause)
            params.append(filters[name])
    for name, column in (("acknowledged", "acknowledged_at"), ("active", "cleared_at")):
        wanted = filters.get(name)
        if wanted is not None:
            # active means "not cleared": the column is NULL exactly when the flag is true.
            is_null = (not wanted) if name == "acknowledged" else wanted
            clauses.append(f"{column} IS {'' if is_null else 'NOT '}NULL")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


async def list_alerts(
    conn: aiosqlite.Connection, filters: Mapping[str, Any], limit: int, offset: int
) -> tuple[list[Row], int]:
    """A page of alerts matching the filters, newest first, and how many match in all."""
    where, params = _where(filters)
    rows = await fetch_all(
        conn,
        f"SELECT {COLUMNS} FROM alerts{where} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    total = await fetch_one(conn, f"SELECT count(*) FROM alerts{where}", params)
    return rows, int(total[0]) if total else 0


async def get_alert(conn: aiosqlite.Connection, alert_id: int) -> Row | None:
    """One alert by id."""
    return await fetch_one(conn, f"SELECT {COLUMNS} FROM alerts WHERE id = ?", (alert_id,))


async def active_alert(conn: aiosqlite.Connection, key: str) -> Row | None:
    """The active (not cleared) alert of a condition, if any."""
    return await fetch_one(conn, f"SELECT {COLUMNS} FROM alerts WHERE condition_key = ? AND cleared_at IS NULL", (key,))


async def active_alerts(conn: aiosqlite.Connection, kinds: Sequence[str], portfolio_id: int | None = None) -> list[Row]:
    """Every active alert of the given kinds (of one portfolio when `portfolio_id` is given)."""
    marks = ", ".join("?" for _ in kinds)
    scope, params = ("", []) if portfolio_id is None else (" AND portfolio_id = ?", [portfolio_id])
    return await fetch_all(
        conn,
        f"SELECT {COLUMNS} FROM alerts WHERE cleared_at IS NULL AND kind IN ({marks}){scope} ORDER BY id",
        [*kinds, *params],
    )


async def insert_alert(conn: aiosqlite.Connection, values: Mapping[str, Any]) -> int:
    """Create an alert from column values (`details` as a dict)."""
    row = {**values, "details": json.dumps(values.get("details") or {}, sort_keys=True, default=str)}
    return await insert_row(conn, "alerts", row)


async def clear_alert(conn: aiosqlite.Connection, key: str, now: str) -> int:
    """Mark the active alert of a condition cleared; the number of alerts changed (0 or 1)."""
    return await execute(
        conn,
        "UPDATE alerts SET cleared_at = ? WHERE condition_key = ? AND cleared_at IS NULL",
        (now, key),
    )


async def set_acknowledged(conn: aiosqlite.Connection, alert_id: int, acknowledged_at: str | None) -> int:
    """Acknowledge an alert (keeping the first acknowledgement's time) or, with None, undo it."""
    if acknowledged_at is None:
        return await execute(conn, "UPDATE alerts SET acknowledged_at = NULL WHERE id = ?", (alert_id,))
    return await execute(
        conn,
        "UPDATE alerts SET acknowledged_at = coalesce(acknowledged_at, ?) WHERE id = ?",
        (acknowledged_at, alert_id),
    )


async def trade_refs(conn: aiosqlite.Connection, trade_id: int) -> Row | None:
    """The wheel, portfolio and symbol of a trade (to file an alert about it)."""
    return await fetch_one(
        conn,
        "SELECT t.wheel_id, w.portfolio_id, t.symbol FROM trades t JOIN wheels w ON w.id = t.wheel_id WHERE t.id = ?",
        (trade_id,),
    )


async def insert_delivery(
    conn: aiosqlite.Connection,
    alert_id: int,
    channel: str,
    status: str,
    attempts: int,
    error: str | None,
    at: str,
    notifier: str = "",
) -> int:
    """Record one delivery of an alert to a notifier channel."""
    return await insert(
        conn,
        "INSERT INTO alert_deliveries (alert_id, channel, notifier, status, attempts, error, delivered_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (alert_id, channel, notifier, status, attempts, error, at),
    )


async def deliveries_of(conn: aiosqlite.Connection, alert_ids: Sequence[int]) -> list[Row]:
    """Every delivery of the given alerts, oldest first."""
    if not alert_ids:
        return []
    marks = ", ".join("?" for _ in alert_ids)
    return await fetch_all(
        conn,
        "SELECT alert_id, channel, notifier, status, attempts, error, delivered_at FROM alert_deliveries"
        f" WHERE alert_id IN ({marks}) ORDER BY id",
        list(alert_ids),
    )
