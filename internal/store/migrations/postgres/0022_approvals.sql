-- Ferry schema: approvals (approval.go, internal/store/approvals.go).

-- An account's approval policy; account_id '' is the workspace's default.
-- steps is JSON: [{"approvers":["role:reviewer"],"required":1}].
CREATE TABLE approval_policies (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    account_id   TEXT NOT NULL DEFAULT '',
    steps        TEXT NOT NULL,
    allow_self   INTEGER NOT NULL DEFAULT 0,
    updated_by   TEXT NOT NULL DEFAULT '',
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, account_id)
);

-- A request for approval of the content (fingerprint) to be sent to one
-- account, with the title and text it was then (a later change is shown
-- as a diff against it). Decisions count from the latest submission of
-- that content.
CREATE TABLE approval_submissions (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    story_id     TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    submitted_by TEXT NOT NULL,
    submitted_at BIGINT NOT NULL
);
CREATE INDEX approval_submissions_target ON approval_submissions (story_id, account_id, submitted_at);
CREATE INDEX approval_submissions_ws ON approval_submissions (workspace_id, submitted_at);

-- One person's decision on one account's content. A member decides as
-- user_id, an external approver as email (user_id '').
CREATE TABLE approval_decisions (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    story_id     TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    user_id      TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    decision     TEXT NOT NULL,
    comment      TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL
);
CREATE INDEX approval_decisions_target ON approval_decisions (story_id, account_id, fingerprint, created_at);

-- A signed link for an external approver: only the token's hash is kept.
CREATE TABLE approval_links (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    story_id     TEXT NOT NULL,
    email        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);

-- A story's comment thread; mentions is a JSON list of user ids.
CREATE TABLE story_comments (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    story_id     TEXT NOT NULL,
    user_id      TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    mentions     TEXT NOT NULL DEFAULT '[]',
    created_at   BIGINT NOT NULL
);
CREATE INDEX story_comments_story ON story_comments (story_id, created_at);
