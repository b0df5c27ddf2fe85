-- Ferry schema, version 6 (SQLite): indexes that make the periodic scans
-- and the idempotency-key prune range scans instead of whole-table scans
-- (TestQueryPlans_ScansAreIndexRanges in plans_test.go checks each plan).

-- The Xiaohongshu handoff sweep, every minute: scheduled publications of a
-- platform due before a time (ScheduledOn).
CREATE INDEX publications_state_platform_scheduled ON publications (state, platform, scheduled_at);

-- Post readings (metrics): publications published since a time, of every
-- account or of one. The second index replaces (account_id, state), which
-- is its prefix.
CREATE INDEX publications_state_published ON publications (state, published_at);
DROP INDEX publications_account_state;
CREATE INDEX publications_account_state_published ON publications (account_id, state, published_at);

-- The hourly prune of rate-limit history.
CREATE INDEX rate_events_at ON rate_events (at);

-- The prune of idempotency keys past their retention.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
