-- Ferry schema, version 12: idempotency keys belong to a workspace and a
-- user, not to the user alone. A person in two workspaces who reused a key
-- in the second was answered with the first workspace's story.

CREATE TABLE idempotency_keys_new (
    workspace_id TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       BIGINT NOT NULL,
    body         BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id, key)
);
-- The keys of someone in one workspace belong to it; those of someone in
-- several cannot be placed and are dropped (a key lives a day at most).
INSERT INTO idempotency_keys_new (workspace_id, user_id, key, request_hash, status, body, created_at)
    SELECT m.workspace_id, k.user_id, k.key, k.request_hash, k.status, k.body, k.created_at
    FROM idempotency_keys k JOIN memberships m ON m.user_id = k.user_id
    WHERE (SELECT count(*) FROM memberships o WHERE o.user_id = k.user_id) = 1;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_new RENAME TO idempotency_keys;
-- The prune of idempotency keys past their retention.
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
