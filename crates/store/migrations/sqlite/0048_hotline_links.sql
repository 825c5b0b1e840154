-- One-time links texted to 12345 callers (短信回访 and following a merged ticket): only the
-- hash of the token is kept. `purpose` is callback (the caller answers resolved and satisfied)
-- or view (the caller of a duplicate reads the answer of the ticket theirs went into,
-- `follows`). A callback link is spent once answered (`used_at`).
CREATE TABLE hotline_links (
    token_hash TEXT PRIMARY KEY,
    ticket_id  TEXT NOT NULL REFERENCES hotline_tickets(id),
    purpose    TEXT NOT NULL,
    follows    TEXT NOT NULL DEFAULT '',
    sent_at    BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX hotline_links_follows ON hotline_links (follows);
