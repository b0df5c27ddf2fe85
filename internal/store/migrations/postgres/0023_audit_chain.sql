-- The audit log becomes a hash chain per workspace (docs/architecture.md,
-- "The audit log"): each event carries its number in the workspace's
-- chain, the previous event's hash and its own. The events recorded
-- before are chained by the Go step below, in this migration's
-- transaction, while the append-only trigger is briefly dropped; it is
-- re-created, with one refusing TRUNCATE too, before the transaction
-- commits.
DROP TRIGGER audit_events_append_only ON audit_events;
ALTER TABLE audit_events ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- ferry:go chain_audit

CREATE UNIQUE INDEX audit_events_chain ON audit_events (workspace_id, seq);
CREATE INDEX audit_events_actor ON audit_events (workspace_id, actor, id);
CREATE INDEX audit_events_action ON audit_events (workspace_id, action, id);
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION ferry_audit_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION ferry_audit_append_only();
