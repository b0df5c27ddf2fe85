-- Ferry schema, version 12: invitations sent by email.

-- The language the invitation email is written in ("en", "zh-Hant",
-- "zh-Hans"), and what became of the email: "" (not emailed: email is off
-- and the admin passes the link on), "sending" (a River job is sending it,
-- or retrying), "sent" or "failed". email_error is the last failure's
-- reason; email_at the time of the last outcome.
ALTER TABLE invitations ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE invitations ADD COLUMN email_state TEXT NOT NULL DEFAULT '';
ALTER TABLE invitations ADD COLUMN email_error TEXT NOT NULL DEFAULT '';
ALTER TABLE invitations ADD COLUMN email_at BIGINT;
