-- Ferry schema, version 15: emergency pauses and hold releases.

-- A pause of a workspace's sending (account_id '') or of one account's.
-- At most one stands per workspace and account (ended_at NULL); ended
-- ones are kept as the history the audit trail refers to. The delivery
-- engine reads the standing ones in the transaction that would open an
-- attempt.
CREATE TABLE pauses (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    account_id   TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    paused_by    TEXT NOT NULL,
    paused_at    INTEGER NOT NULL,
    ended_at     INTEGER,
    ended_by     TEXT NOT NULL DEFAULT '',
    due          TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX pauses_standing ON pauses (workspace_id, account_id) WHERE ended_at IS NULL;
CREATE INDEX pauses_history ON pauses (workspace_id, paused_at);

-- A person's release of one publication version from a hold (a pause's
-- "send now", or a blackout period set after it was scheduled): the engine
-- does not hold that version again for a blackout.
CREATE TABLE hold_releases (
    publication_id TEXT NOT NULL,
    version        INTEGER NOT NULL,
    released_by    TEXT NOT NULL,
    released_at    INTEGER NOT NULL,
    PRIMARY KEY (publication_id, version)
);
