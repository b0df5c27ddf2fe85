-- Every message id of a post made of several messages (a Telegram album:
-- one message per image), as a JSON array with remote_id first; '' for a
-- post of one message. Deleting the live post deletes them all.
ALTER TABLE publications ADD COLUMN remote_ids TEXT NOT NULL DEFAULT '';
