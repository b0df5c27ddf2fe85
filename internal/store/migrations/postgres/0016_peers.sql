-- Ferry schema, version 15: peers, public accounts a workspace follows for
-- comparison, and their daily readings.

CREATE TABLE peers (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    platform     TEXT NOT NULL,
    handle       TEXT NOT NULL,
    remote_id    TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    UNIQUE (workspace_id, platform, remote_id)
);

-- A count the platform does not give is NULL, not 0. source is 'platform'
-- or 'manual'.
CREATE TABLE peer_readings (
    peer_id   TEXT NOT NULL REFERENCES peers (id) ON DELETE CASCADE,
    at        BIGINT NOT NULL,
    followers BIGINT,
    posts     BIGINT,
    source    TEXT NOT NULL,
    PRIMARY KEY (peer_id, at)
);
