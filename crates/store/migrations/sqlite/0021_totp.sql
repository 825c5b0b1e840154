-- A second factor (TOTP, RFC 6238) for accounts that bind an authenticator app: required of
-- staff where `session.staff_second_factor` is on (等保 三级), optional for others. The
-- secret is sealed (SM4-GCM) under the master key; `totp_step` is the last time step
-- accepted, so a code cannot be used twice.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_pending TEXT;
ALTER TABLE accounts ADD COLUMN totp_step BIGINT NOT NULL DEFAULT 0;
