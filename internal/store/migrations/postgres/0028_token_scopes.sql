-- Ferry schema: API tokens with scopes, an expiry and the last use's address.

-- scope is what the token may do: 'read', 'write' or 'admin' (each
-- includes the ones before it; the user's role still applies on top).
-- Tokens made before scopes existed could do everything their user's role
-- allowed: they become 'admin', which is exactly that, so no integration
-- breaks on upgrade. Narrow them by making new tokens and revoking these.
ALTER TABLE api_tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'admin';
-- When the token stops working (Unix ms); NULL: never.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
-- The client address of the last recorded use (recorded at most once a
-- minute, with last_used_at).
ALTER TABLE api_tokens ADD COLUMN last_used_addr TEXT NOT NULL DEFAULT '';
