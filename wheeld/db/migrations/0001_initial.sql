-- 0001: portfolios, wheels and trades. Money is integer cents; times are UTC ISO-8601 text.
CREATE TABLE portfolios (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) BETWEEN 1 AND 100),
    description TEXT NOT NULL DEFAULT '',
    default_capital_cents INTEGER NOT NULL DEFAULT 0 CHECK (default_capital_cents >= 0),
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- At most one default portfolio.
CREATE UNIQUE INDEX portfolios_one_default ON portfolios (is_default) WHERE is_default = 1;

CREATE TABLE wheels (
    id INTEGER PRIMARY KEY,
    portfolio_id INTEGER NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    symbol TEXT NOT NULL CHECK (length(symbol) BETWEEN 1 AND 10),
    state TEXT NOT NULL CHECK (state IN ('cash', 'short_put', 'shares', 'short_call')),
    profile TEXT NOT NULL,
    capital_allocated_cents INTEGER NOT NULL CHECK (capital_allocated_cents >= 0),
    shares INTEGER NOT NULL DEFAULT 0 CHECK (shares >= 0),
    -- entry price per share of the shares held (put strike at assignment, or the given cost basis)
    cost_basis_cents INTEGER CHECK (cost_basis_cents IS NULL OR cost_basis_cents >= 0),
    starting_direction TEXT NOT NULL DEFAULT 'put' CHECK (starting_direction IN ('put', 'call')),
    -- a cycle starts when a wheel leaves cash and ends when it returns to it; adjusted cost basis
    -- subtracts the net premium of the current cycle
    cycle INTEGER NOT NULL DEFAULT 1 CHECK (cycle >= 1),
    notes TEXT NOT NULL DEFAULT '',
    archived_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One active wheel per symbol and portfolio; archived wheels keep their history.
CREATE UNIQUE INDEX wheels_active_symbol ON wheels (portfolio_id, symbol) WHERE archived_at IS NULL;
CREATE INDEX wheels_portfolio ON wheels (portfolio_id, id);
CREATE INDEX wheels_symbol ON wheels (symbol);
CREATE INDEX wheels_state ON wheels (state);

CREATE TABLE trades (
    id INTEGER PRIMARY KEY,
    wheel_id INTEGER NOT NULL REFERENCES wheels (id) ON DELETE CASCADE,
    symbol TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('put', 'call')),
    strike_cents INTEGER NOT NULL CHECK (strike_cents > 0),
    expiration_date TEXT NOT NULL,
    contracts INTEGER NOT NULL CHECK (contracts > 0),
    total_premium_cents INTEGER NOT NULL CHECK (total_premium_cents >= 0),
    fees_cents INTEGER NOT NULL DEFAULT 0 CHECK (fees_cents >= 0),
    close_cost_cents INTEGER CHECK (close_cost_cents IS NULL OR close_cost_cents >= 0),
    outcome TEXT NOT NULL DEFAULT 'open'
        CHECK (outcome IN ('open', 'expired', 'assigned', 'closed', 'rolled')),
    -- 'win' / 'loss' once settled (see wheeld.domain.outcomes.classify)
    result TEXT CHECK (result IS NULL OR result IN ('win', 'loss')),
    stock_price_at_expiry_cents INTEGER,
    -- stock P&L realized by this trade's settlement (shares called away against their entry price)
    realized_stock_pnl_cents INTEGER NOT NULL DEFAULT 0,
    cycle INTEGER NOT NULL DEFAULT 1,
    opened_at TEXT NOT NULL,
    settled_at TEXT,
    -- New York market dates of opening and settlement: what date filters and periods compare
    opened_on TEXT NOT NULL,
    settled_on TEXT,
    rolled_from_id INTEGER REFERENCES trades (id) ON DELETE SET NULL,
    rolled_to_id INTEGER REFERENCES trades (id) ON DELETE SET NULL,
    notes TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
-- One open option per wheel, enforced by the database as well as the domain.
CREATE UNIQUE INDEX trades_one_open ON trades (wheel_id) WHERE outcome = 'open';
CREATE INDEX trades_wheel ON trades (wheel_id, id);
CREATE INDEX trades_symbol ON trades (symbol);
CREATE INDEX trades_outcome ON trades (outcome);
CREATE INDEX trades_opened ON trades (opened_on);
CREATE INDEX trades_settled ON trades (settled_on);
CREATE INDEX trades_expiration ON trades (expiration_date);
