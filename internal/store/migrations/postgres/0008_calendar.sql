-- Ferry schema, version 8 (PostgreSQL): the calendar's range of publications.

-- The calendar page: a workspace's publications scheduled within a month
-- or a week (PublicationsScheduledBetween).
CREATE INDEX publications_workspace_scheduled ON publications (workspace_id, scheduled_at);
