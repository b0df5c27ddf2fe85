-- Ferry schema: sign-in throttling (docs/architecture.md, "Sign-in
-- throttling"). One row per throttled key, the SHA-256 of "email:<address>"
-- or "addr:<client address>" (an IPv6 client by its /64): failures since
-- the last quiet hour, until when attempts are refused, and when the person
-- was last told. Rows are read by primary key on every attempt, so every
-- process of one Ferry shares them; quiet ones are deleted.
CREATE TABLE sign_in_throttle (
    key             BLOB PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    blocked_until   INTEGER NOT NULL,
    notified_at     INTEGER
);
CREATE INDEX sign_in_throttle_last_failure ON sign_in_throttle (last_failure_at);
