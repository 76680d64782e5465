-- 0005: the watchlist (global or per portfolio) and opportunity scans with their ranked results.
CREATE TABLE watchlist (
    id INTEGER PRIMARY KEY,
    symbol TEXT NOT NULL CHECK (length(symbol) BETWEEN 1 AND 10),
    -- NULL: a global entry, scanned for every portfolio
    portfolio_id INTEGER REFERENCES portfolios (id) ON DELETE CASCADE,
    notes TEXT NOT NULL DEFAULT '',
    -- the profile to scan it with; NULL = opportunities.profile
    profile TEXT,
    created_at TEXT NOT NULL
);
-- One entry per symbol in each portfolio and one global entry per symbol (UNIQUE alone lets NULLs repeat).
CREATE UNIQUE INDEX watchlist_scope_symbol ON watchlist (coalesce(portfolio_id, 0), symbol);

CREATE TABLE opportunity_scans (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    -- the criteria the scan used, defaults filled in (JSON)
    criteria TEXT NOT NULL,
    -- opportunities stored (the ranked top N)
    count INTEGER NOT NULL DEFAULT 0 CHECK (count >= 0),
    candidates INTEGER NOT NULL DEFAULT 0 CHECK (candidates >= 0),
    -- candidates left out, with the reason (JSON list of {symbol, wheel_id, portfolio_id, reason})
    excluded TEXT NOT NULL DEFAULT '[]',
    trigger TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule')),
    -- the scan's scope; NULL = every portfolio
    portfolio_id INTEGER REFERENCES portfolios (id) ON DELETE CASCADE
);
CREATE INDEX opportunity_scans_finished ON opportunity_scans (finished_at);

CREATE TABLE opportunities (
    id INTEGER PRIMARY KEY,
    scan_id INTEGER NOT NULL REFERENCES opportunity_scans (id) ON DELETE CASCADE,
    rank INTEGER NOT NULL CHECK (rank >= 1),
    symbol TEXT NOT NULL,
    -- the wheel in cash this opportunity is for; NULL for a watchlist symbol
    wheel_id INTEGER REFERENCES wheels (id) ON DELETE SET NULL,
    portfolio_id INTEGER REFERENCES portfolios (id) ON DELETE SET NULL,
    profile TEXT NOT NULL,
    score REAL NOT NULL,
    -- the points behind the score (JSON {iv_rank, yield, liquidity, trend, earnings})
    score_parts TEXT NOT NULL,
    -- the recommended put (market data as the provider gave them; money in cents)
    direction TEXT NOT NULL CHECK (direction IN ('put', 'call')),
    option_symbol TEXT NOT NULL,
    strike_cents INTEGER NOT NULL,
    expiration_date TEXT NOT NULL,
    dte INTEGER NOT NULL,
    bid REAL,
    ask REAL,
    mid REAL NOT NULL,
    premium_cents INTEGER NOT NULL,
    collateral_cents INTEGER NOT NULL,
    delta REAL,
    iv REAL,
    sigma_distance REAL,
    p_itm REAL,
    open_interest INTEGER,
    spread_pct REAL,
    premium_yield_pct REAL NOT NULL,
    annualized_yield_pct REAL NOT NULL,
    break_even REAL NOT NULL,
    price REAL NOT NULL,
    iv_rank REAL,
    trend TEXT NOT NULL,
    -- the pick's warnings and the symbol's (JSON list of {code, message})
    warnings TEXT NOT NULL DEFAULT '[]',
    UNIQUE (scan_id, rank)
);
