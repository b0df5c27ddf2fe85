-- The audit log becomes a hash chain per workspace (docs/architecture.md,
-- "The audit log"): each event carries its number in the workspace's
-- chain, the previous event's hash and its own. The events recorded
-- before are chained by the Go step below, in this migration's
-- transaction, while the append-only triggers are briefly dropped; they
-- are re-created, stricter, before the transaction commits.
DROP TRIGGER audit_events_append_only_update;
DROP TRIGGER audit_events_append_only_delete;
ALTER TABLE audit_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- ferry:go chain_audit

CREATE UNIQUE INDEX audit_events_chain ON audit_events (workspace_id, seq);
CREATE INDEX audit_events_actor ON audit_events (workspace_id, actor, id);
CREATE INDEX audit_events_action ON audit_events (workspace_id, action, id);
CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
