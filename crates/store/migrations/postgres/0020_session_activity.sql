-- When a session was last used (written at most once a minute), so an idle session ends
-- (等保 三级: staff after 30 minutes, others after 2 hours).
ALTER TABLE sessions ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen = created_at;
CREATE INDEX sessions_account ON sessions(account_id, created_at);
