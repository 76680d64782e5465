"""Old-format trades.db files built with SQL, as the old CLI (`wheel_strategy_tool.py`) left them.

Money is written the way that tool wrote it: Python floats, `total_premium = premium * contracts * 100`
computed in floating point (so 2.35 arrives as 235.00000000000003). Timestamps are its zone-less
`datetime.now().isoformat()`, here New York wall-clock time.

The hand-worked figures of the main data set are spelled out in `V1_EXPECTED` and beside each wheel.
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# The first schema: wheels and trades only (symbol unique, no portfolios, no snapshots).
V1_DDL = """
CREATE TABLE wheels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    symbol TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'cash',
    capital_allocated REAL NOT NULL DEFAULT 0,
    shares_held INTEGER NOT NULL DEFAULT 0,
    cost_basis REAL,
    profile TEXT NOT NULL DEFAULT 'conservative',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE trades (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wheel_id INTEGER NOT NULL,
    symbol TEXT NOT NULL,
    direction TEXT NOT NULL,
    strike REAL NOT NULL,
    expiration_date TEXT NOT NULL,
    premium_per_share REAL NOT NULL,
    contracts INTEGER NOT NULL,
    total_premium REAL NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    outcome TEXT NOT NULL DEFAULT 'open',
    price_at_expiry REAL,
    close_price REAL,
    FOREIGN KEY (wheel_id) REFERENCES wheels(id)
);
CREATE INDEX idx_trades_wheel ON trades(wheel_id);
"""

# The later schema: snapshots, portfolios, wheels.portfolio_id (a symbol may repeat across portfolios).
V2_DDL = """
CREATE TABLE portfolios (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT,
    default_capital REAL NOT NULL DEFAULT 0,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE wheels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    symbol TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'cash',
    capital_allocated REAL NOT NULL DEFAULT 0,
    shares_held INTEGER NOT NULL DEFAULT 0,
    cost_basis REAL,
    profile TEXT NOT NULL DEFAULT 'conservative',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1,
    portfolio_id INTEGER REFERENCES portfolios(id),
    UNIQUE (portfolio_id, symbol)
);
CREATE TABLE trades (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    wheel_id INTEGER NOT NULL,
    symbol TEXT NOT NULL,
    direction TEXT NOT NULL,
    strike REAL NOT NULL,
    expiration_date TEXT NOT NULL,
    premium_per_share REAL NOT NULL,
    contracts INTEGER NOT NULL,
    total_premium REAL NOT NULL,
    opened_at TEXT NOT NULL,
    closed_at TEXT,
    outcome TEXT NOT NULL DEFAULT 'open',
    price_at_expiry REAL,
    close_price REAL,
    FOREIGN KEY (wheel_id) REFERENCES wheels(id)
);
CREATE TABLE position_snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trade_id INTEGER NOT NULL,
    snapshot_date TEXT NOT NULL,
    current_price REAL NOT NULL,
    dte_calendar INTEGER NOT NULL,
    dte_trading INTEGER NOT NULL,
    moneyness_pct REAL NOT NULL,
    is_itm INTEGER NOT NULL,
    risk_level TEXT NOT NULL,
    created_at TEXT NOT NULL,
    FOREIGN KEY (trade_id) REFERENCES trades(id),
    UNIQUE(trade_id, snapshot_date)
);
"""

XLF_ROUNDS = 100  # 3 trades a round: 300 trades

# Hand-worked totals of the V1 data set (cents). Per wheel: (trades, premium, wins, losses, close costs, realized).
V1_WHEELS = {
    # put 2.35 expired; put 150 @3.10 assigned; call 1.20 expired; call 1.50 closed at 0.40; call 160 @1.10
    # called away: (160 − 150) × 100 = 1,000.00; put 2.00 open. 235 + 310 + 120 + 150 + 110 + 200 = 1,125.00
    "AAPL": (6, 112_500, 3, 2, 4_000, 100_000),
    # 200 shares imported at 300: 2 calls at 2.50 expired (500), 2 at 0.05 closed at 0.10 (10 − 20: a loss),
    # 2 at 3.00 open (600): 1,110.00
    "MSFT": (3, 111_000, 1, 1, 2_000, 0),
    # archived: put 5.55 expired, put 4.45 closed at 1.05 (net 340: a win): 1,000.00
    "TSLA": (2, 100_000, 2, 0, 10_500, 0),
    # 3 puts at 60 @0.57 assigned (171), 3 calls @0.33 expired (99): 270.00
    "KO": (2, 27_000, 1, 1, 0, 0),
    # 100 × (put 0.29 expired, put 50 @0.58 assigned, call 52 @0.29 called away: +200.00 each)
    "XLF": (3 * XLF_ROUNDS, 11_600 * XLF_ROUNDS, XLF_ROUNDS, 2 * XLF_ROUNDS, 0, 20_000 * XLF_ROUNDS),
    "NVDA": (0, 0, 0, 0, 0, 0),
}
V1_EXPECTED = {
    "trades": 313,
    "premium_cents": 1_510_500,  # 1,125 + 1,110 + 1,000 + 270 + 11,600
    "wins": 107,
    "losses": 204,
    "open": 2,
    "close_costs_cents": 16_500,  # 40 + 20 + 105
    "realized_cents": 2_100_000,  # 1,000 + 100 × 200
    "capital_active_cents": 5_600_000,  # AAPL 20,000 + MSFT 0 + KO 20,000 + XLF 6,000 + NVDA 10,000
}


def _at(day: date, hour: int = 10) -> str:
    return f"{day.isoformat()}T{hour:02d}:15:30.123456"


class LegacyWriter:
    """Inserts rows the way the old tool's repository did."""

    def __init__(self, conn: sqlite3.Connection, with_portfolios: bool = False) -> None:
        self.conn = conn
        self.with_portfolios = with_portfolios

    def wheel(
        self,
        wid: int,
        symbol: str,
        state: str,
        capital: float,
        shares: int = 0,
        cost_basis: float | None = None,
        profile: str = "conservative",
        active: int = 1,
        portfolio_id: int | None = None,
        created: str = "2024-01-02T09:45:00.000001",
    ) -> None:
        columns = (
            "id, symbol, state, capital_allocated, shares_held, cost_basis, profile, created_at, updated_at, is_active"
        )
        values: list[Any] = [wid, symbol, state, capital, shares, cost_basis, profile, created, created, active]
        if self.with_portfolios:
            columns += ", portfolio_id"
            values.append(portfolio_id)
        marks = ", ".join("?" for _ in values)
        self.conn.execute(f"INSERT INTO wheels ({columns}) VALUES ({marks})", values)

    def trade(
        self,
        tid: int,
        wid: int,
        symbol: str,
        direction: str,
        strike: float,
        opened: date,
        premium: float,
        contracts: int,
        outcome: str,
        price: float | None = None,
        close_price: float | None = None,
        days: int = 7,
        closed: str | bool | None = True,
    ) -> None:
        expiration = opened + timedelta(days=days)
        if isinstance(closed, str) or closed is None:
            closed_at = closed
        else:  # True: settled at 4 p.m. on its expiration, as `expire` run that afternoon would record
            closed_at = _at(expiration, 16) if closed and outcome != "open" else None
        self.conn.execute(
            "INSERT INTO trades (id, wheel_id, symbol, direction, strike, expiration_date, premium_per_share,"
            " contracts, total_premium, opened_at, closed_at, outcome, price_at_expiry, close_price)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                tid,
                wid,
                symbol,
                direction,
                strike,
                expiration.isoformat(),
                premium,
                contracts,
                premium * contracts * 100,
                _at(opened),
                closed_at,
                outcome,
                price,
                close_price,
            ),
        )


def _main_data(w: LegacyWriter, portfolio_of: dict[str, int | None] | None = None) -> None:
    """The V1_WHEELS data set (wheels 1-6, trades 1-313)."""
    p = portfolio_of or {}
    d = date(2023, 1, 3)
    w.wheel(1, "AAPL", "cash_put_open", 20000.0, portfolio_id=p.get("AAPL"))
    w.trade(1, 1, "AAPL", "put", 145.0, d, 2.35, 1, "expired_worthless", price=151.2)
    w.trade(2, 1, "AAPL", "put", 150.0, d + timedelta(days=8), 3.10, 1, "assigned", price=148.0)
    w.trade(3, 1, "AAPL", "call", 155.0, d + timedelta(days=16), 1.20, 1, "expired_worthless", price=152.0)
    w.trade(4, 1, "AAPL", "call", 155.0, d + timedelta(days=24), 1.50, 1, "closed_early", close_price=0.40)
    w.trade(5, 1, "AAPL", "call", 160.0, d + timedelta(days=32), 1.10, 1, "called_away", price=163.0)
    w.trade(6, 1, "AAPL", "put", 150.0, date(2026, 11, 20), 2.00, 1, "open", days=28)
    w.wheel(
        2, "MSFT", "shares_call_open", 0.0, shares=200, cost_basis=300.0, profile="moderate", portfolio_id=p.get("MSFT")
    )
    w.trade(7, 2, "MSFT", "call", 320.0, d + timedelta(days=3), 2.50, 2, "expired_worthless", price=310.0)
    w.trade(8, 2, "MSFT", "call", 325.0, d + timedelta(days=11), 0.05, 2, "closed_early", close_price=0.10)
    w.trade(9, 2, "MSFT", "call", 330.0, date(2026, 11, 18), 3.00, 2, "open", days=30)
    w.wheel(3, "TSLA", "cash", 25000.0, profile="aggressive", active=0, portfolio_id=p.get("TSLA"))
    w.trade(10, 3, "TSLA", "put", 200.0, d + timedelta(days=5), 5.55, 1, "expired_worthless", price=220.0)
    w.trade(11, 3, "TSLA", "put", 190.0, d + timedelta(days=13), 4.45, 1, "closed_early", close_price=1.05)
    w.conn.execute("UPDATE wheels SET updated_at = '2023-03-01T12:00:00.5' WHERE id = 3")
    w.wheel(4, "KO", "shares", 20000.0, shares=300, cost_basis=60.0, portfolio_id=p.get("KO"))
    w.trade(12, 4, "KO", "put", 60.0, d + timedelta(days=2), 0.57, 3, "assigned", price=59.1)
    w.trade(13, 4, "KO", "call", 62.0, d + timedelta(days=10), 0.33, 3, "expired_worthless", price=61.0)
    w.wheel(5, "XLF", "cash", 6000.0, portfolio_id=p.get("XLF"))
    tid, day = 14, date(2023, 2, 1)
    for _ in range(XLF_ROUNDS):
        w.trade(tid, 5, "XLF", "put", 50.0, day, 0.29, 1, "expired_worthless", price=51.0, days=2)
        w.trade(tid + 1, 5, "XLF", "put", 50.0, day + timedelta(days=2), 0.58, 1, "assigned", price=49.0, days=2)
        w.trade(tid + 2, 5, "XLF", "call", 52.0, day + timedelta(days=4), 0.29, 1, "called_away", price=53.0, days=2)
        tid, day = tid + 3, day + timedelta(days=6)
    w.wheel(6, "NVDA", "cash", 10000.0, profile="defensive", portfolio_id=p.get("NVDA"))


def build_v1(path: Path) -> Path:
    """The first schema, every state and outcome, an archived and a shares-started wheel, 313 trades."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(V1_DDL)
        _main_data(LegacyWriter(conn))
        conn.commit()
    finally:
        conn.close()
    return path


def build_v2(path: Path) -> Path:
    """The later schema: portfolios Income (default) and Growth, AAPL in both, a wheel without one, snapshots."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(V2_DDL)
        conn.execute(
            "INSERT INTO portfolios VALUES (1, 'Income', 'Main account', 50000.0, 1, '2024-01-02T09:00:00'),"
            " (2, 'Growth', NULL, 25000.0, 0, '2024-01-03T09:00:00')"
        )
        w = LegacyWriter(conn, with_portfolios=True)
        d = date(2024, 2, 5)
        w.wheel(1, "AAPL", "cash", 20000.0, portfolio_id=1)
        w.trade(1, 1, "AAPL", "put", 180.0, d, 1.00, 1, "expired_worthless", price=185.0)  # 100.00
        w.wheel(2, "AAPL", "shares", 20000.0, shares=100, cost_basis=150.0, portfolio_id=2)
        w.trade(2, 2, "AAPL", "put", 150.0, d, 2.00, 1, "assigned", price=149.0)  # 200.00
        w.wheel(3, "KO", "cash", 5000.0, portfolio_id=None)
        w.trade(3, 3, "KO", "put", 60.0, d, 0.50, 2, "expired_worthless", price=61.0)  # 100.00
        w.wheel(4, "MSFT", "cash", 40000.0, portfolio_id=7)  # a portfolio the file does not have
        w.trade(4, 4, "MSFT", "put", 300.0, d, 1.25, 1, "expired_worthless", price=310.0)  # 125.00
        for sid, day in enumerate(("2024-02-05", "2024-02-06", "2024-02-07"), start=1):
            conn.execute(
                "INSERT INTO position_snapshots VALUES (?, 1, ?, 184.1, 5, 4, 2.2, 0, 'MEDIUM', ?)",
                (sid, day, f"{day}T16:30:00"),
            )
        # A snapshot of a trade the file does not have.
        conn.execute("INSERT INTO position_snapshots VALUES (4, 99, '2024-02-07', 10.0, 1, 1, 0.5, 0, 'LOW', '')")
        conn.commit()
    finally:
        conn.close()
    return path


def build_contradictions(path: Path) -> Path:
    """Records that disagree with themselves, each of which the import must work around and report."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(V1_DDL)
        w = LegacyWriter(conn)
        d = date(2024, 5, 6)
        # Two open puts on one wheel (the old tool only ever saw the newer one).
        w.wheel(10, "AMD", "cash_put_open", 30000.0)
        w.trade(101, 10, "AMD", "put", 100.0, d, 1.00, 1, "open")
        w.trade(102, 10, "AMD", "put", 95.0, d + timedelta(days=1), 1.50, 1, "open")
        # The state says cash, but a put is open.
        w.wheel(11, "INTC", "cash", 5000.0)
        w.trade(103, 11, "INTC", "put", 30.0, d, 0.40, 1, "open")
        # 200 shares imported; 1 of 2 contracts called away: the old tool zeroed all 200 shares.
        w.wheel(12, "PFE", "cash", 0.0, shares=0, cost_basis=None)
        w.trade(104, 12, "PFE", "call", 42.0, d, 0.30, 2, "expired_worthless", price=41.0)
        w.trade(105, 12, "PFE", "call", 42.0, d + timedelta(days=8), 0.35, 1, "called_away", price=43.0)
        # Trades of a wheel that is not in the file.
        w.trade(106, 99, "T", "put", 17.0, d, 0.20, 1, "expired_worthless", price=18.0)
        # A put "called away", and a settled call without closed_at.
        w.wheel(14, "BAC", "shares", 4000.0, shares=100, cost_basis=30.0)
        w.trade(107, 14, "BAC", "put", 30.0, d, 0.45, 1, "called_away", price=29.0)
        w.trade(108, 14, "BAC", "call", 32.0, d + timedelta(days=8), 0.25, 1, "expired_worthless", closed=False)
        conn.commit()
    finally:
        conn.close()
    return path
