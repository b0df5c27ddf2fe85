-- Ferry schema, version 7 (PostgreSQL): the web UI's sessions, a person's
-- language and a workspace's region.

-- The region whose festivals and public holidays the workspace plans
-- around: HK, CN, TW or MO.
ALTER TABLE workspaces ADD COLUMN region TEXT NOT NULL DEFAULT 'HK';

-- The language a person chose for the web UI ("en", "zh-Hant", "zh-Hans");
-- empty: the browser's Accept-Language decides.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- A signed-in browser. Only the token's SHA-256 hash is stored; the token
-- is the cookie. A session ends at expires_at, or when it has not been seen
-- for the idle timeout (last_seen_at is written at most once a minute).
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    token_hash   BYTEA NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id, last_seen_at);
