-- Messages outside the platform (短信, 电子邮件) for inbox notifications: each person's
-- preferences, and every message decided on, sent, failed or held back by a rate limit.
CREATE TABLE notify_prefs (
    account_id    TEXT PRIMARY KEY,
    sms           INTEGER NOT NULL,
    email         INTEGER NOT NULL,
    email_address TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL,
    kind            TEXT NOT NULL,
    body            TEXT NOT NULL,
    -- queued, sent, failed, limited (held back by a rate limit; the inbox still has it)
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_at         BIGINT NOT NULL,
    last_error      TEXT NOT NULL,
    provider_id     TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    UNIQUE (notification_id, channel)
);
CREATE INDEX messages_due ON messages(state, next_at);
CREATE INDEX messages_account ON messages(account_id, channel, created_at);
CREATE INDEX messages_recent ON messages(created_at);

-- Notifications not yet looked at by the dispatcher; those from before are not sent now.
ALTER TABLE notifications ADD COLUMN dispatched INTEGER NOT NULL DEFAULT 0;
UPDATE notifications SET dispatched = 1;
CREATE INDEX notifications_undispatched ON notifications(dispatched, at);

-- Reminders that a license runs out (one per license and threshold: 30 days, 7 days).
CREATE TABLE license_reminders (
    license_id     TEXT NOT NULL,
    threshold_days BIGINT NOT NULL,
    account_id     TEXT NOT NULL,
    sent_at        BIGINT NOT NULL,
    PRIMARY KEY (license_id, threshold_days)
);
