-- 0006: plugins (FR-24..FR-27): the settings each plugin was given over the API, and its key-value store.
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
