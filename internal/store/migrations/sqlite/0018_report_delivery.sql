-- Ferry schema, version 15: monthly reports emailed to chosen members.

-- The members who receive the workspace's monthly report by email.
CREATE TABLE report_recipients (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);

-- Each report emailed (month as YYYY-MM), so that a member gets a month's
-- report once however often the job runs.
CREATE TABLE report_deliveries (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    month        TEXT NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id),
    sent_at      INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, month, user_id)
);

-- A person's calendar feed (/calendar.ics?token=…): one secret per member
-- and workspace, kept as its SHA-256 only; a new one replaces the old, and
-- deleting the row revokes it.
CREATE TABLE calendar_feeds (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
