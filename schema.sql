-- The whole current schema of wheeld (PRAGMA user_version = 9). Money is integer cents; times are UTC ISO-8601.
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
CREATE INDEX trades_wheel_cycle ON trades (wheel_id, cycle);
CREATE INDEX trades_symbol ON trades (symbol);
CREATE INDEX trades_outcome ON trades (outcome);
CREATE INDEX trades_opened ON trades (opened_on);
CREATE INDEX trades_settled ON trades (settled_on);
CREATE INDEX trades_expiration ON trades (expiration_date);

-- Scheduled jobs and their run history (FR-20..FR-23), alerts and their deliveries (FR-9).
-- Job and alert times are fixed-width UTC text (YYYY-MM-DDTHH:MM:SS.ffffffZ) so that text order is time order.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 80),
    kind TEXT NOT NULL CHECK (kind IN ('core', 'plugin')),
    -- {"type": "interval", "seconds": N} or {"type": "cron", "expression": "m h dom mon dow"}
    trigger TEXT NOT NULL CHECK (json_valid(trigger)),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    market_hours_only INTEGER NOT NULL DEFAULT 0 CHECK (market_hours_only IN (0, 1)),
    -- NULL: system-wide; else the one portfolio the job works on (see jobs_unscope_deleted_portfolio)
    scope_portfolio_id INTEGER REFERENCES portfolios (id) ON DELETE SET NULL,
    timeout_seconds INTEGER NOT NULL CHECK (timeout_seconds BETWEEN 1 AND 21600),
    description TEXT NOT NULL DEFAULT '',
    last_run_at TEXT,
    -- the scheduler of record: a run is claimed by UPDATE ... WHERE next_run_at = <the due time read>
    next_run_at TEXT,
    last_status TEXT
        CHECK (last_status IS NULL OR last_status IN ('success', 'failure', 'timeout', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX jobs_scope ON jobs (scope_portfolio_id) WHERE scope_portfolio_id IS NOT NULL;
-- A job scoped to a deleted portfolio is disabled rather than widened to every portfolio; clearing
-- next_run_at makes the scheduler's claim on its old due time fail, so it re-reads the job.
CREATE TRIGGER jobs_unscope_deleted_portfolio BEFORE DELETE ON portfolios BEGIN
    UPDATE jobs SET scope_portfolio_id = NULL, enabled = 0, next_run_at = NULL
    WHERE scope_portfolio_id = OLD.id;
END;

CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    status TEXT NOT NULL
        CHECK (status IN ('running', 'success', 'failure', 'timeout', 'skipped', 'cancelled')),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    duration_ms INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
    error TEXT,
    summary TEXT
);
CREATE INDEX job_runs_job ON job_runs (job_id, started_at DESC, id DESC);
CREATE INDEX job_runs_running ON job_runs (job_id) WHERE status = 'running';

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    -- itm, risk_worsened, expiring, or a plugin's own kind
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 80),
    severity TEXT NOT NULL CHECK (severity IN ('LOW', 'MEDIUM', 'HIGH')),
    -- what the alert is about, e.g. 'itm:trade:7': one active alert per condition (alerts_one_active)
    condition_key TEXT NOT NULL CHECK (length(condition_key) BETWEEN 1 AND 200),
    message TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    portfolio_id INTEGER REFERENCES portfolios (id) ON DELETE CASCADE,
    wheel_id INTEGER REFERENCES wheels (id) ON DELETE CASCADE,
    trade_id INTEGER REFERENCES trades (id) ON DELETE CASCADE,
    symbol TEXT,
    -- who raised it: a job id such as 'risk_monitor' or 'plugin:earnings_alert'
    source TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    acknowledged_at TEXT,
    -- set when the condition no longer holds (or changed and a new alert replaced this one)
    cleared_at TEXT
);
CREATE UNIQUE INDEX alerts_one_active ON alerts (condition_key) WHERE cleared_at IS NULL;
CREATE INDEX alerts_created ON alerts (created_at DESC, id DESC);
CREATE INDEX alerts_portfolio ON alerts (portfolio_id, created_at DESC);
CREATE INDEX alerts_wheel ON alerts (wheel_id) WHERE wheel_id IS NOT NULL;
CREATE INDEX alerts_trade ON alerts (trade_id) WHERE trade_id IS NOT NULL;

CREATE TABLE alert_deliveries (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    channel TEXT NOT NULL CHECK (channel IN ('log', 'webhook', 'ntfy', 'slack')),
    -- the notifier's name in notifiers.channels ('webhook' for notifiers.webhook_url, '' for the log)
    notifier TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('sent', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error TEXT,
    delivered_at TEXT NOT NULL
);
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id, id);

-- Provenance of rows imported from the old CLI's trades.db (wheeld migrate-legacy): a re-run imports nothing twice.
CREATE TABLE legacy_imports (
    id INTEGER PRIMARY KEY,
    -- identifies the old database by content that tool never changes, not by path (see wheeld.db.legacy_source)
    source_key TEXT NOT NULL,
    source_path TEXT NOT NULL,
    -- portfolios are matched by name and snapshots come with their trade: neither needs a row here
    legacy_table TEXT NOT NULL CHECK (legacy_table IN ('wheels', 'trades')),
    -- text: the old ids are integers, but a later version of that tool may have used UUIDs
    legacy_id TEXT NOT NULL,
    -- what the row became. SET NULL when it is deleted in wheeld: a re-run then neither restores it nor
    -- mistakes a newer row that reused its id for it.
    wheel_id INTEGER REFERENCES wheels (id) ON DELETE SET NULL,
    trade_id INTEGER REFERENCES trades (id) ON DELETE SET NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (source_key, legacy_table, legacy_id)
);
-- Deleting a wheel or trade looks its provenance up through these.
CREATE INDEX legacy_imports_wheel ON legacy_imports (wheel_id);
CREATE INDEX legacy_imports_trade ON legacy_imports (trade_id);

-- daily position snapshots and the performance-period index (migration 0004)
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

-- Watchlist and opportunity scans (0005).
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

-- Plugins (FR-24..FR-27): the settings each plugin was given over the API, and its key-value store.
-- A plugin's schedule and enabled flag live on its job, 'plugin:<name>', in the jobs table.
CREATE TABLE plugins (
    name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    -- settings set over the API (JSON object), merged over plugins.config.<name> from the config file
    config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config) AND json_type(config) = 'object'),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE plugin_kv (
    plugin TEXT NOT NULL CHECK (length(plugin) BETWEEN 1 AND 64),
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    -- a JSON value (the plugin's own memory, e.g. the IVs of recent days)
    value TEXT NOT NULL CHECK (json_valid(value)),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (plugin, key)
) WITHOUT ROWID;

-- Broker imports (Schwab CSV export or API): each run that wrote something, with its report, and
-- every broker row it accounted for under a stable key, so that importing the same rows again adds nothing.
CREATE TABLE broker_imports (
    id INTEGER PRIMARY KEY,
    portfolio_id INTEGER NOT NULL REFERENCES portfolios (id) ON DELETE CASCADE,
    -- 'schwab-csv' or 'schwab' (the API)
    source TEXT NOT NULL,
    -- what the run did and the reconciliation (JSON object, as GET /api/v1/imports/{id} returns it)
    report TEXT NOT NULL CHECK (json_valid(report) AND json_type(report) = 'object'),
    imported_at TEXT NOT NULL
);
CREATE INDEX broker_imports_portfolio ON broker_imports (portfolio_id);

CREATE TABLE broker_import_rows (
    id INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES broker_imports (id) ON DELETE CASCADE,
    broker TEXT NOT NULL,
    -- the broker's transaction id, or a hash of the row's fields and its occurrence in the file
    row_key TEXT NOT NULL,
    line INTEGER NOT NULL,
    -- open, settle, roll, match (a trade recorded by hand) or the stock row of an assignment
    step TEXT NOT NULL,
    -- the trade the row became or matched; SET NULL when the trade is deleted in wheeld
    trade_id INTEGER REFERENCES trades (id) ON DELETE SET NULL,
    UNIQUE (broker, row_key)
);
CREATE INDEX broker_import_rows_trade ON broker_import_rows (trade_id);
CREATE INDEX broker_import_rows_import ON broker_import_rows (import_id);
