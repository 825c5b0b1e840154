-- Entries from a self-service kiosk's identity reader: a signed reading (card + face) leaves a
-- one-time token here, and the kiosk's browser trades it for a short session. Only the hash of
-- the token is kept. `reading` is the digest of the signed reading, once only: a reading
-- caught on the wire and sent again is refused while it could still pass. A used entry stays
-- (used = 1) until it expires, so its reading stays known; expired entries are deleted.
CREATE TABLE kiosk_entries (
    token_hash TEXT PRIMARY KEY,
    reading    TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    hall       TEXT NOT NULL,
    kiosk      TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX kiosk_entries_expiry ON kiosk_entries (expires_at);
