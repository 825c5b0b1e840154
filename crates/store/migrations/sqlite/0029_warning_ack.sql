-- A warning taken note of (acknowledged) by a supervisor or a provincial 电子监察 system
-- through the API, before it is cleared.
ALTER TABLE warnings ADD COLUMN acknowledged_by TEXT;
ALTER TABLE warnings ADD COLUMN acknowledged_at BIGINT;
