-- 0007: broker imports (Schwab CSV export or API): each run that wrote something, with its report, and
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
