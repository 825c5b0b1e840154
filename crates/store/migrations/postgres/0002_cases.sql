-- Cases (办件) and their hash-chained audit trail.
-- PostgreSQL twin of the SQLite migration.
-- `data` holds the whole case as JSON (the domain's Case); the other columns are copies for
-- queues and lookups. `version` is the optimistic-concurrency counter: an update names the
-- version it read, so two clerks acting on one case cannot both win.
CREATE TABLE cases (
    id           TEXT PRIMARY KEY,
    number       TEXT NOT NULL,
    region       TEXT NOT NULL,
    department   TEXT NOT NULL,
    item_code    TEXT NOT NULL,
    item_version BIGINT NOT NULL,
    applicant_id TEXT NOT NULL,
    state        TEXT NOT NULL,
    -- Which role's queue the case waits in (clerk, reviewer, approver), NULL when none.
    queue_role   TEXT,
    claimed_by   TEXT,
    -- Promised deadline as YYYY-MM-DD, so queues sort by it.
    due_date     TEXT,
    data         TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX cases_number ON cases(number) WHERE number <> '';
CREATE INDEX cases_applicant ON cases(applicant_id, updated_at);
CREATE INDEX cases_queue ON cases(queue_role, region, department, due_date);

-- Append-only. hash = SM3(prev_hash | seq | at | actor | role | kind | payload); the first
-- event of a case chains from 64 zeros. `onewindow audit verify` recomputes every chain.
CREATE TABLE case_events (
    case_id   TEXT NOT NULL REFERENCES cases(id),
    seq       BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    role      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

-- Human case numbers: region code + date + a per-region daily sequence.
CREATE TABLE case_numbers (
    region TEXT NOT NULL,
    day    TEXT NOT NULL,
    last   BIGINT NOT NULL,
    PRIMARY KEY (region, day)
);
