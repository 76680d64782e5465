-- 0004: daily position snapshots (one row per open trade per New York date) and the period index.
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY,
    trade_id INTEGER NOT NULL REFERENCES trades (id) ON DELETE CASCADE,
    wheel_id INTEGER NOT NULL REFERENCES wheels (id) ON DELETE CASCADE,
    snapshot_date TEXT NOT NULL,
    current_price_cents INTEGER NOT NULL,
    dte_calendar INTEGER NOT NULL,
    dte_trading INTEGER NOT NULL,
    moneyness_pct REAL NOT NULL,
    is_itm INTEGER NOT NULL CHECK (is_itm IN (0, 1)),
    risk_level TEXT NOT NULL CHECK (risk_level IN ('LOW', 'MEDIUM', 'HIGH')),
    -- the option's mark per share where the provider has one (market data, not accounted money)
    option_mark REAL,
    price_source TEXT NOT NULL,
    price_as_of TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (trade_id, snapshot_date)
);
CREATE INDEX snapshots_wheel ON snapshots (wheel_id, snapshot_date);
CREATE INDEX snapshots_date ON snapshots (snapshot_date);
-- A trade belongs to a performance period by its settlement date (open trades by opening date).
CREATE INDEX trades_period ON trades (coalesce(settled_on, opened_on));
