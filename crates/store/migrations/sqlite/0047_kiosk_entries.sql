-- Entries from a self-service kiosk's identity reader: a signed reading (card + face) leaves a
-- one-time token here, and the kiosk's browser trades it for a short session. Only the hash of
-- the token is kept; a used or expired entry is deleted.
CREATE TABLE kiosk_entries (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    hall       TEXT NOT NULL,
    kiosk      TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX kiosk_entries_expiry ON kiosk_entries (expires_at);
