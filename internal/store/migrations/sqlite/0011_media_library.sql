-- Ferry schema, version 11: the media library's tags, and where images are used.


-- A workspace's own words for finding its images ("中秋", "harbour").
CREATE TABLE media_tags (
    media_id TEXT NOT NULL REFERENCES media (id),
    tag      TEXT NOT NULL,
    PRIMARY KEY (media_id, tag)
);
CREATE INDEX media_tags_tag ON media_tags (tag, media_id);

-- The library lists a workspace's uploads newest first.
CREATE INDEX media_library ON media (workspace_id, created_at, id);

-- Which stories use which images, kept beside stories.media_ids (which
-- keeps their order) so that "where is this image used" is an index
-- lookup, not a scan of every story's JSON.
CREATE TABLE story_media (
    story_id TEXT NOT NULL REFERENCES stories (id),
    media_id TEXT NOT NULL,
    PRIMARY KEY (media_id, story_id)
);
-- A story's rows are replaced on every save; and without it PostgreSQL,
-- before it has statistics, may join by scanning story_media per story.
CREATE INDEX story_media_story ON story_media (story_id);
INSERT INTO story_media (story_id, media_id)
    SELECT DISTINCT s.id, j.value FROM stories s, json_each(s.media_ids) j;

-- The stories list filtered by state looks for a publication of each
-- story in that state; without this, SQLite may walk every publication in
-- the state for each story.
CREATE INDEX publications_story_state ON publications (story_id, state);
