-- Ferry schema, version 4 (PostgreSQL): Xiaohongshu handoffs and the
-- workspace's notification settings.

-- A handoff is the task of publishing one publication by hand, at one
-- version of it: opened once per (publication, version). It is live while
-- state is 'open' and the publication is still in state 'handoff' at that
-- version; an edit or a cancel (which bump the version) withdraws it.
-- state: open, confirmed, missed, withdrawn.
CREATE TABLE handoffs (
    id             TEXT PRIMARY KEY,
    workspace_id   TEXT NOT NULL REFERENCES workspaces (id),
    publication_id TEXT NOT NULL REFERENCES publications (id),
    story_id       TEXT NOT NULL REFERENCES stories (id),
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    version        BIGINT NOT NULL,
    state          TEXT NOT NULL,
    due_at         BIGINT NOT NULL,
    deadline_at    BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    url            TEXT NOT NULL DEFAULT '',
    closed_by      TEXT NOT NULL DEFAULT '',
    closed_at      BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (publication_id, version)
);
CREATE INDEX handoffs_workspace_state ON handoffs (workspace_id, state);

-- Where a workspace's notifications go besides email and Telegram: a
-- webhook, whose HMAC secret is sealed like account credentials.
CREATE TABLE notification_settings (
    workspace_id   TEXT PRIMARY KEY REFERENCES workspaces (id),
    webhook_url    TEXT NOT NULL DEFAULT '',
    webhook_secret BYTEA NOT NULL,
    updated_at     BIGINT NOT NULL
);
