-- 0003: provenance of rows imported from the old CLI's trades.db by `wheeld migrate-legacy`, so that a
-- second run imports nothing twice.
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
