-- Ferry schema: account archives and closures (issue 15).

-- An account archive: a ZIP written by a River job into the media store
-- (addressed by its SHA-256, like media), verified after it is written.
-- state: "queued", "writing", "ready" or "failed" (error says why).
CREATE TABLE archives (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    state        TEXT NOT NULL,
    error        TEXT NOT NULL DEFAULT '',
    sha256       TEXT NOT NULL DEFAULT '',
    bytes        BIGINT NOT NULL DEFAULT 0,
    files        BIGINT NOT NULL DEFAULT 0,
    posts        BIGINT NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX archives_account ON archives (account_id, created_at);

-- An account's closure, at most one: a River job cancels or moves what is
-- scheduled, takes a final reading, archives, deletes remote posts if
-- asked and forgets the credentials. state: "queued", "running", "done"
-- or "failed"; step is the step under way; options and progress are JSON.
CREATE TABLE closures (
    account_id   TEXT PRIMARY KEY REFERENCES accounts (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    state        TEXT NOT NULL,
    step         TEXT NOT NULL DEFAULT '',
    options      TEXT NOT NULL DEFAULT '{}',
    progress     TEXT NOT NULL DEFAULT '{}',
    archive_id   TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
