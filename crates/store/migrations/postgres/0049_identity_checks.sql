-- The first time a person's identity was checked in person (ID card and face at a kiosk) for
-- an account that already existed: from then on its password is the person's own. At that
-- first check a password set online before (by anyone, with the person's ID number) ends,
-- as it does at the first OIDC link (`oidc_links`); the entry says so to the kiosk.
CREATE TABLE identity_checks (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    first_at   BIGINT NOT NULL
);
ALTER TABLE kiosk_entries ADD COLUMN password_ended INTEGER NOT NULL DEFAULT 0;
