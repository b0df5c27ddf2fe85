-- Version history: every saved version of a story (account_id '') and of
-- its variant for each account, with who saved it and when (service:
-- recordVersion). Stories and variants saved before have their current
-- content as version 1, by the story's author, at their last change.
CREATE TABLE content_versions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    story_id     TEXT NOT NULL REFERENCES stories (id),
    account_id   TEXT NOT NULL DEFAULT '',
    n            BIGINT NOT NULL,
    title        TEXT NOT NULL,
    text         TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '[]',
    links        TEXT NOT NULL DEFAULT '[]',
    media_ids    TEXT NOT NULL DEFAULT '[]',
    edited       BIGINT NOT NULL DEFAULT 0,
    author       TEXT NOT NULL,
    at           BIGINT NOT NULL,
    UNIQUE (story_id, account_id, n)
);
INSERT INTO content_versions (workspace_id, story_id, account_id, n, title, text, tags, links, media_ids, author, at)
SELECT workspace_id, id, '', 1, title, body, tags, links, media_ids, CASE WHEN created_by = '' THEN 'system' ELSE 'user:' || created_by END, updated_at FROM stories;
INSERT INTO content_versions (workspace_id, story_id, account_id, n, title, text, tags, media_ids, edited, author, at)
SELECT s.workspace_id, v.story_id, v.account_id, 1, v.title, v.text, v.hashtags, v.media_ids, v.edited, CASE WHEN s.created_by = '' THEN 'system' ELSE 'user:' || s.created_by END, v.updated_at
FROM variants v JOIN stories s ON s.id = v.story_id;

-- Pre-publish checks: the workspace's own sensitive terms, each with a
-- severity and an optional suggested wording, and the hosts it adds to
-- the list of sites readers in mainland China cannot open.
CREATE TABLE sensitive_terms (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    term         TEXT NOT NULL,
    severity     TEXT NOT NULL,
    suggestion   TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, term)
);
CREATE TABLE blocked_hosts (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    host         TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, host)
);
