-- Ferry schema: two-factor sign-in with TOTP (RFC 6238).

-- A person's TOTP secret, sealed with the secret key (bound to the user
-- id). enabled_at is NULL while enrolment waits for its first code;
-- last_step is the last time step a code was accepted for, so that a
-- code is not accepted twice.
CREATE TABLE two_factor (
    user_id    TEXT PRIMARY KEY REFERENCES users (id),
    secret     BLOB NOT NULL,
    enabled_at INTEGER,
    last_step  INTEGER NOT NULL DEFAULT 0
);

-- Single-use recovery codes, as SHA-256 hashes (80 random bits each).
CREATE TABLE recovery_codes (
    user_id TEXT NOT NULL REFERENCES users (id),
    hash    BLOB NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (user_id, hash)
);

-- The half-signed-in state between a right password and a right code: a
-- random token (stored hashed) that is not a session and opens nothing
-- but the code form, for five minutes.
CREATE TABLE sign_in_challenges (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL
);

-- A workspace can require two-factor sign-in of its admins and owners:
-- one without it is sent to enrol before anything else.
ALTER TABLE workspaces ADD COLUMN require_two_factor BOOLEAN NOT NULL DEFAULT FALSE;
