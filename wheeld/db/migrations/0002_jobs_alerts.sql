-- v2: scheduled jobs and their run history (FR-20..FR-23), alerts and their deliveries (FR-9).
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
    channel TEXT NOT NULL CHECK (channel IN ('log', 'webhook')),
    status TEXT NOT NULL CHECK (status IN ('sent', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    error TEXT,
    delivered_at TEXT NOT NULL
);
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id, id);
