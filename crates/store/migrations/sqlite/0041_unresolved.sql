-- 办不成事: what a person could not get done, with its owner department, deadline, the
-- department's answer and the person's confirmation (or reopening, with why).
CREATE TABLE unresolved_tickets (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL,
    person_name TEXT NOT NULL,
    what        TEXT NOT NULL,
    item_code   TEXT NOT NULL DEFAULT '',
    department  TEXT NOT NULL,
    region      TEXT NOT NULL,
    state       TEXT NOT NULL,
    -- YYYY-MM-DD.
    due         TEXT NOT NULL,
    answer      TEXT NOT NULL DEFAULT '',
    reopen_note TEXT NOT NULL DEFAULT '',
    reopened    BIGINT NOT NULL DEFAULT 0,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    answered_by TEXT NOT NULL DEFAULT '',
    answered_at BIGINT NOT NULL DEFAULT 0,
    closed_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX unresolved_department ON unresolved_tickets (department, state);
CREATE INDEX unresolved_person ON unresolved_tickets (person_id);
