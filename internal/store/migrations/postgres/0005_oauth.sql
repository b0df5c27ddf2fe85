-- Ferry schema, version 5 (PostgreSQL): OAuth connection flows.

-- A started OAuth flow (POST /api/v1/connections/{platform}/start). The
-- state parameter sent to the platform is signed and names the nonce; the
-- callback claims the row once (used_at), before expires_at. Rows are
-- deleted a day after they expire.
CREATE TABLE oauth_states (
    nonce        TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    platform     TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX oauth_states_expires ON oauth_states (expires_at);
