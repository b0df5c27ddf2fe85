-- Ferry schema, version 12 (PostgreSQL): a workspace that requires alt text.

-- When true, an image with neither alt text nor the decorative mark is an
-- error in every variant that carries it, which blocks scheduling and
-- publishing; when false (the default) it is a warning.
ALTER TABLE workspaces ADD COLUMN require_alt_text BOOLEAN NOT NULL DEFAULT FALSE;
