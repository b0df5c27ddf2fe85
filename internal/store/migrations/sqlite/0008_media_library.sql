-- Ferry schema, version 8: the media library's alt text and tags.

-- What an image shows, for people who cannot see it; sent where the
-- platform's API takes it. Empty: not written yet.
ALTER TABLE media ADD COLUMN alt_text TEXT NOT NULL DEFAULT '';

-- A workspace's own words for finding its images ("中秋", "harbour").
CREATE TABLE media_tags (
    media_id TEXT NOT NULL REFERENCES media (id),
    tag      TEXT NOT NULL,
    PRIMARY KEY (media_id, tag)
);
CREATE INDEX media_tags_tag ON media_tags (tag, media_id);

-- The library lists a workspace's uploads newest first.
CREATE INDEX media_library ON media (workspace_id, created_at, id);
