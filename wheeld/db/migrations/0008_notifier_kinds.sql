-- 0008: alerts go to several notifiers of three kinds (webhook, ntfy, slack): a delivery names its
-- notifier. SQLite cannot change a CHECK in place, so the table is rebuilt with its rows.
ALTER TABLE alert_deliveries RENAME TO alert_deliveries_v6;
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
INSERT INTO alert_deliveries (id, alert_id, channel, notifier, status, attempts, error, delivered_at)
    SELECT id, alert_id, channel, CASE channel WHEN 'webhook' THEN 'webhook' ELSE '' END, status, attempts, error,
        delivered_at
    FROM alert_deliveries_v6;
DROP TABLE alert_deliveries_v6;
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id, id);
