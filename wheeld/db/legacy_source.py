"""Reading the old CLI's `trades.db`: strictly read-only, whatever of its schema versions the file holds.

The old tool (`wheel_strategy_tool.py`) grew its schema over time: `wheels` and `trades` first, then
`position_snapshots`, later `portfolios` and `wheels.portfolio_id`. Every table and column is optional
here except the few an import cannot do without; what a file lacks is reported, not guessed.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SQLITE_HEADER = b"SQLite format 3\x00"
KNOWN_COLUMNS: dict[str, tuple[str, ...]] = {
    "portfolios": ("id", "name", "description", "default_capital", "is_default", "created_at"),
    "wheels": (
        "id",
        "symbol",
        "state",
        "capital_allocated",
        "shares_held",
        "cost_basis",
        "profile",
        "is_active",
        "created_at",
        "updated_at",
        "portfolio_id",
    ),
    "trades": (
        "id",
        "wheel_id",
        "symbol",
        "direction",
        "strike",
        "expiration_date",
        "premium_per_share",
        "contracts",
        "total_premium",
        "opened_at",
        "closed_at",
        "outcome",
        "price_at_expiry",
        "close_price",
    ),
    "position_snapshots": (
        "id",
        "trade_id",
        "snapshot_date",
        "current_price",
        "dte_calendar",
        "dte_trading",
        "moneyness_pct",
        "is_itm",
        "risk_level",
        "created_at",
    ),
}
# Without these an import has nothing to stand on; every other column may be missing.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "portfolios": ("id", "name"),
    "wheels": ("id", "symbol"),
    "trades": ("id", "wheel_id", "direction", "strike", "expiration_date", "contracts", "outcome", "opened_at"),
    "position_snapshots": ("id", "trade_id", "snapshot_date", "current_price"),
}
LegacyRow = dict[str, Any]


class LegacySourceError(Exception):
    """The file cannot be read as the old CLI's database (missing, not SQLite, damaged, another schema)."""


@dataclass(frozen=True)
class LegacySource:
    """Everything read from one old database, in one consistent read (rows as dicts, missing columns None)."""

    path: Path
    portfolios: list[LegacyRow] | None  # None: the file predates portfolios
    wheels: list[LegacyRow]
    trades: list[LegacyRow]
    snapshots: list[LegacyRow] | None  # None: the file predates position_snapshots
    missing_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Identity of the old database, stable across copies, moves and later additions to it.

        Taken from its first wheel (or first trade): id, symbol and creation time, which the old tool
        writes once and never changes (it archives instead of deleting). A path would import a copy
        twice; a hash of the whole file would import everything again once a trade is added.
        """
        if self.wheels:
            first = self.wheels[0]
            seed = f"wheels|{first['id']}|{first['symbol']}|{first.get('created_at')}"
        elif self.trades:
            first = self.trades[0]
            seed = f"trades|{first['id']}|{first.get('symbol')}|{first.get('opened_at')}"
        else:
            seed = f"empty|{self.path.resolve()}"
        return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def read_legacy(path: Path) -> LegacySource:
    """Open `path` read-only (the file is never modified) and read its portfolios, wheels and trades."""
    path = path.expanduser()
    _check_file(path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise LegacySourceError(f"{path}: cannot open it read-only: {exc}") from None
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA query_only = ON")
        # One read transaction: a consistent snapshot even if the old tool writes meanwhile.
        conn.execute("BEGIN")
        return _read(conn, path)
    except sqlite3.DatabaseError as exc:
        raise LegacySourceError(f"{path}: not a readable SQLite database ({exc}); restore it from a backup") from None
    finally:
        conn.close()


def _check_file(path: Path) -> None:
    if not path.exists():
        raise LegacySourceError(f"{path}: no such file")
    if not path.is_file():
        raise LegacySourceError(f"{path}: not a file")
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if not header:
        raise LegacySourceError(f"{path}: the file is empty, not the old CLI's trades.db")
    if header != SQLITE_HEADER:
        raise LegacySourceError(f"{path}: not an SQLite database (it lacks the SQLite header)")


def _read(conn: sqlite3.Connection, path: Path) -> LegacySource:
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    if problems != ["ok"]:
        raise LegacySourceError(f"{path}: the database is damaged ({'; '.join(problems)}); restore it from a backup")
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "strike_cents" in _columns(conn, "trades"):
        raise LegacySourceError(f"{path}: this is a wheeld database, not the old CLI's trades.db")
    if "wheels" not in tables:
        raise LegacySourceError(f"{path}: no wheels table: not the old CLI's trades.db")
    missing: dict[str, list[str]] = {}
    portfolios = _rows(conn, "portfolios", missing) if "portfolios" in tables else None
    wheels = _rows(conn, "wheels", missing)
    trades = _rows(conn, "trades", missing) if "trades" in tables else []
    snapshots = _rows(conn, "position_snapshots", missing) if "position_snapshots" in tables else None
    return LegacySource(path, portfolios, wheels, trades, snapshots, missing)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute("SELECT * FROM pragma_table_info(?)", (table,))]


def _rows(conn: sqlite3.Connection, table: str, missing: dict[str, list[str]]) -> list[LegacyRow]:
    present = set(_columns(conn, table))
    lacking = [c for c in REQUIRED_COLUMNS[table] if c not in present]
    if lacking:
        raise LegacySourceError(f"its {table} table lacks {', '.join(lacking)}: not a trades.db this tool knows")
    wanted = [c for c in KNOWN_COLUMNS[table] if c in present]
    absent = [c for c in KNOWN_COLUMNS[table] if c not in present]
    if absent:
        missing[table] = absent
    # Names come from KNOWN_COLUMNS (checked against the file), never from its contents.
    quoted = ", ".join(f'"{c}"' for c in wanted)
    rows = conn.execute(f'SELECT {quoted} FROM "{table}" ORDER BY rowid').fetchall()
    return [{**dict.fromkeys(absent), **dict(row)} for row in rows]
