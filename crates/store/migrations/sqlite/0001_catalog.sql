-- Foundation: organisation, accounts, sessions and the versioned catalog.
-- Times are unix milliseconds (INTEGER) so both backends sort and compare them the same way;
-- ids are UUIDv7 text; structured values (item definitions, windows) are JSON text that the
-- domain crate owns. Columns copied out of the JSON exist only for filtering and listing.

CREATE TABLE regions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    parent TEXT REFERENCES regions(code),
    level  TEXT NOT NULL
);

CREATE TABLE departments (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    short_name  TEXT NOT NULL,
    region      TEXT NOT NULL REFERENCES regions(code),
    credit_code TEXT NOT NULL,
    phone       TEXT NOT NULL,
    address     TEXT NOT NULL
);
CREATE INDEX departments_region ON departments(region);

CREATE TABLE halls (
    code    TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    region  TEXT NOT NULL REFERENCES regions(code),
    address TEXT NOT NULL,
    hours   TEXT NOT NULL,
    windows TEXT NOT NULL
);

-- Applicants log in with their ID number or credit code; staff with a chosen login name.
CREATE TABLE accounts (
    id                   TEXT PRIMARY KEY,
    login                TEXT NOT NULL UNIQUE,
    kind                 TEXT NOT NULL,
    display_name         TEXT NOT NULL,
    phone                TEXT NOT NULL,
    legal_representative TEXT,
    password_hash        TEXT NOT NULL,
    region               TEXT,
    department           TEXT,
    roles                TEXT NOT NULL,
    created_at           BIGINT NOT NULL,
    disabled             INTEGER NOT NULL DEFAULT 0
);

-- Only a hash of the session token is stored: a copied database cannot be used to log in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions(expires_at);

CREATE TABLE login_failures (
    login TEXT NOT NULL,
    at    BIGINT NOT NULL
);
CREATE INDEX login_failures_login_at ON login_failures(login, at);

-- One row per implementation; current_version is the published one, draft_version the one
-- being edited. Versions are never deleted: a case keeps the version it was filed under.
CREATE TABLE items (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    department      TEXT NOT NULL,
    region          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    subjects        TEXT NOT NULL,
    online_depth    TEXT NOT NULL,
    visits          INTEGER NOT NULL,
    status          TEXT NOT NULL,
    current_version INTEGER,
    draft_version   INTEGER,
    views           BIGINT NOT NULL DEFAULT 0,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX items_department ON items(department);
CREATE INDEX items_region ON items(region);
CREATE INDEX items_views ON items(views);

CREATE TABLE item_versions (
    item_code    TEXT NOT NULL REFERENCES items(code),
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    definition   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    published_at BIGINT,
    PRIMARY KEY (item_code, version)
);

CREATE TABLE synonyms (
    phrase TEXT PRIMARY KEY,
    terms  TEXT NOT NULL
);

CREATE TABLE calendar_years (
    year      INTEGER PRIMARY KEY,
    notice    TEXT NOT NULL,
    loaded_at BIGINT NOT NULL
);

-- Small counters; catalog_generation moves on every public catalog change so search
-- indexes on any node can tell they are stale.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('catalog_generation', 1);
