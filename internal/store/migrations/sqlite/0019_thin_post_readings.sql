-- Ferry schema, version 15 (SQLite): thinning old post readings.

-- When above 0, post readings older than this many days are thinned to one
-- a day (the day's last) by a daily job; account readings are never
-- thinned. 0 (the default) keeps every reading.
ALTER TABLE workspaces ADD COLUMN thin_post_readings_after_days INTEGER NOT NULL DEFAULT 0;
