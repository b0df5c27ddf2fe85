-- Ferry schema, version 8 (PostgreSQL): an image's alt text.

-- What an image shows, for people who cannot see it; decorative marks an
-- image that needs none. An image with neither gets a warning in every
-- variant that carries it.
ALTER TABLE media ADD COLUMN alt_text TEXT NOT NULL DEFAULT '';
ALTER TABLE media ADD COLUMN decorative BOOLEAN NOT NULL DEFAULT FALSE;
