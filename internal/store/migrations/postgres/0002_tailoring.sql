-- Ferry schema, version 2 (PostgreSQL): tailoring. Stories gain tags, links and
-- their script; variants keep what the adaptation pipeline produced (and,
-- once a person edits one, what the edit was based on); media keep a focal
-- point, and fitted copies point at their original; each workspace has a
-- glossary, a people directory and its own templates.
ALTER TABLE stories ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE stories ADD COLUMN links TEXT NOT NULL DEFAULT '[]';
ALTER TABLE stories ADD COLUMN source_script TEXT NOT NULL DEFAULT 'hk';

ALTER TABLE variants ADD COLUMN platform TEXT NOT NULL DEFAULT '';
ALTER TABLE variants ADD COLUMN hashtags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE variants ADD COLUMN script TEXT NOT NULL DEFAULT '';
-- media: [{source_id, media_id, spec, focal, width, height}]; media_ids
-- (the fitted copies the engine sends) follows it.
ALTER TABLE variants ADD COLUMN media TEXT NOT NULL DEFAULT '[]';
ALTER TABLE variants ADD COLUMN length TEXT NOT NULL DEFAULT '{}';
ALTER TABLE variants ADD COLUMN problems TEXT NOT NULL DEFAULT '[]';
ALTER TABLE variants ADD COLUMN stale BIGINT NOT NULL DEFAULT 0;
-- base: the generated {title, text} an edit started from; diff: how the
-- generated variant changed since.
ALTER TABLE variants ADD COLUMN base TEXT NOT NULL DEFAULT '{}';
ALTER TABLE variants ADD COLUMN diff TEXT NOT NULL DEFAULT '{}';

ALTER TABLE media ADD COLUMN focal_x DOUBLE PRECISION;
ALTER TABLE media ADD COLUMN focal_y DOUBLE PRECISION;
ALTER TABLE media ADD COLUMN parent_id TEXT REFERENCES media (id);

-- A fitted copy of an original for a platform and focal point. Several
-- keys may share one copy (a focal point that does not change the crop).
CREATE TABLE media_fits (
    parent_id  TEXT NOT NULL REFERENCES media (id),
    fit_key    TEXT NOT NULL,
    media_id   TEXT NOT NULL REFERENCES media (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (parent_id, fit_key)
);

CREATE TABLE glossary_terms (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    position     BIGINT NOT NULL,
    term         TEXT NOT NULL,
    -- protect = 1: never converted; otherwise replaced by replacement for
    -- the audience scripts listed (all when empty).
    protect      BIGINT NOT NULL,
    replacement  TEXT NOT NULL DEFAULT '',
    scripts      TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (workspace_id, position)
);

CREATE TABLE directory_people (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    key          TEXT NOT NULL,
    name         TEXT NOT NULL,
    handles      TEXT NOT NULL DEFAULT '{}',
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, key)
);

CREATE TABLE templates (
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    platform     TEXT NOT NULL,
    source       TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, platform)
);
