-- Placeholder for the queries branch's 0006_indexes.sql (indexes), which
-- replaces this file when the branches are merged: migrations are numbered
-- without gaps, and the web UI's migration is 0007.
SELECT 1;
