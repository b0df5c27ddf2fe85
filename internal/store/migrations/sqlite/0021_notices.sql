-- Ferry schema, version 21: notices (a person's inbox) and how each person
-- hears of them.

-- One person's notice of one event, written in the transaction of the
-- event's audit event. digest is 1 while it waits for the person's daily
-- email digest.
CREATE TABLE notices (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    user_id      TEXT NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    target_type  TEXT NOT NULL,
    target_id    TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    read_at      INTEGER,
    digest       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notices_inbox ON notices (user_id, workspace_id, created_at);
CREATE INDEX notices_unread ON notices (user_id, workspace_id) WHERE read_at IS NULL;
CREATE INDEX notices_digest ON notices (user_id) WHERE digest = 1;

-- A person's choice, per workspace, of when a channel carries a kind of
-- notice; a missing row is the default (ferry.DefaultNoticeMode).
CREATE TABLE notice_prefs (
    user_id      TEXT NOT NULL REFERENCES users (id),
    workspace_id TEXT NOT NULL REFERENCES workspaces (id),
    kind         TEXT NOT NULL,
    channel      TEXT NOT NULL,
    mode         TEXT NOT NULL,
    PRIMARY KEY (user_id, workspace_id, kind, channel)
);

-- Where a person's Telegram notices go: the chat the notification bot
-- writes to.
CREATE TABLE notice_channels (
    user_id          TEXT PRIMARY KEY REFERENCES users (id),
    telegram_chat_id TEXT NOT NULL DEFAULT ''
);
