-- Ferry schema, version 3 (SQLite): the workspace calendar (campaigns,
-- blackout periods, recurring campaigns) and metric snapshots.

-- A workspace's own dated event: a campaign or a blackout period. An all-day
-- event keeps its dates (start_date and end_date, YYYY-MM-DD, inclusive),
-- which are authoritative; a timed one keeps only its instants. starts_at and
-- ends_at (end exclusive) are always filled, for range queries: for an
-- all-day event they are the midnights of the workspace's time zone when the
-- event was saved.
CREATE TABLE calendar_events (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    kind         TEXT NOT NULL,
    name_en      TEXT NOT NULL DEFAULT '',
    name_zh      TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    all_day      INTEGER NOT NULL DEFAULT 0,
    start_date   TEXT NOT NULL DEFAULT '',
    end_date     TEXT NOT NULL DEFAULT '',
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX calendar_events_workspace_kind_start ON calendar_events (workspace_id, kind, starts_at);

-- A campaign that comes back every year on a festival, a lunar date or a
-- Gregorian date, at a wall-clock time of the workspace's time zone.
-- recurrence is JSON: {"festival"} or {"lunar_month","lunar_day","leap"} or
-- {"month","day"}, with "local_time" (HH:MM) and "missing" (clamp or skip).
CREATE TABLE recurring_campaigns (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    name_en      TEXT NOT NULL DEFAULT '',
    name_zh      TEXT NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    recurrence   TEXT NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX recurring_campaigns_workspace ON recurring_campaigns (workspace_id, created_at);

-- Metric readings, kept for years. A count the platform does not give is
-- NULL, not 0.
CREATE TABLE account_snapshots (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    at         INTEGER NOT NULL,
    followers  INTEGER,
    following  INTEGER,
    posts      INTEGER,
    PRIMARY KEY (account_id, at)
);

CREATE TABLE post_snapshots (
    publication_id TEXT NOT NULL REFERENCES publications (id),
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    at             INTEGER NOT NULL,
    views          INTEGER,
    likes          INTEGER,
    comments       INTEGER,
    shares         INTEGER,
    saves          INTEGER,
    PRIMARY KEY (publication_id, at)
);
CREATE INDEX post_snapshots_account_at ON post_snapshots (account_id, at);
