-- Ferry schema, version 8 (SQLite): invitations to a workspace.

-- An invitation to join a workspace with a role, sent as a link. Only the
-- link token's SHA-256 hash is stored; it is used once (accepted_at) and
-- ends at expires_at.
CREATE TABLE invitations (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    email        TEXT NOT NULL,
    role         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    invited_by   TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    accepted_at  INTEGER
);
CREATE INDEX invitations_workspace ON invitations (workspace_id, created_at);
