-- Ferry schema, version 1 (SQLite). Times are Unix milliseconds (UTC); ids
-- are text; JSON documents are text.
CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE memberships (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    role         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name         TEXT NOT NULL DEFAULT '',
    hash         BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
);

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    workspace_id  TEXT NOT NULL REFERENCES workspaces (id),
    platform      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    name          TEXT NOT NULL,
    credentials   BLOB NOT NULL,
    settings      TEXT NOT NULL DEFAULT '{}',
    health        TEXT NOT NULL,
    health_reason TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (workspace_id, platform, external_id)
);

CREATE TABLE media (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    sha256       TEXT NOT NULL,
    mime         TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, sha256)
);

CREATE TABLE stories (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    media_ids    TEXT NOT NULL DEFAULT '[]',
    targets      TEXT NOT NULL DEFAULT '[]',
    scheduled_at INTEGER,
    version      INTEGER NOT NULL DEFAULT 1,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    deleted_at   INTEGER
);
CREATE INDEX stories_workspace_created ON stories (workspace_id, created_at DESC, id DESC);

-- A variant is the story as one account will receive it.
CREATE TABLE variants (
    story_id   TEXT NOT NULL REFERENCES stories (id),
    account_id TEXT NOT NULL REFERENCES accounts (id),
    title      TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL,
    media_ids  TEXT NOT NULL DEFAULT '[]',
    edited     INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (story_id, account_id)
);

CREATE TABLE publications (
    id              TEXT PRIMARY KEY,
    workspace_id    TEXT NOT NULL REFERENCES workspaces (id),
    story_id        TEXT NOT NULL REFERENCES stories (id),
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    platform        TEXT NOT NULL,
    state           TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    version         INTEGER NOT NULL DEFAULT 1,
    scheduled_at    INTEGER,
    next_attempt_at INTEGER,
    published_at    INTEGER,
    remote_id       TEXT NOT NULL DEFAULT '',
    remote_url      TEXT NOT NULL DEFAULT '',
    error_code      TEXT NOT NULL DEFAULT '',
    error_message   TEXT NOT NULL DEFAULT '',
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (story_id, account_id)
);
CREATE INDEX publications_workspace_state ON publications (workspace_id, state);
CREATE INDEX publications_account_state ON publications (account_id, state);

-- An attempt is written and committed before the platform is called.
CREATE TABLE attempts (
    id             TEXT PRIMARY KEY,
    publication_id TEXT NOT NULL REFERENCES publications (id),
    number         INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    started_at     INTEGER NOT NULL,
    finished_at    INTEGER,
    outcome        TEXT NOT NULL DEFAULT '',
    error_code     TEXT NOT NULL DEFAULT '',
    error_message  TEXT NOT NULL DEFAULT '',
    remote_id      TEXT NOT NULL DEFAULT '',
    fingerprint    TEXT NOT NULL,
    UNIQUE (publication_id, number)
);

-- Posts counted against platform rate limits, shared by every worker.
CREATE TABLE rate_events (
    limit_key      TEXT NOT NULL,
    at             INTEGER NOT NULL,
    publication_id TEXT NOT NULL
);
CREATE INDEX rate_events_key_at ON rate_events (limit_key, at);

-- A platform's own "wait until" (Retry-After, retry_after, Graph usage),
-- honoured by every worker for everything sharing the limit key.
CREATE TABLE rate_holds (
    limit_key TEXT PRIMARY KEY,
    until     INTEGER NOT NULL
);

CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}',
    at           INTEGER NOT NULL
);
CREATE INDEX audit_events_target ON audit_events (target_type, target_id);

CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
