-- 电子监察. case_watch holds, per case, the one deadline it is measured against now and the
-- first day it turns yellow, kept current on every case write: the scan reads only rows whose
-- yellow day has come (an index range), never every case.
CREATE TABLE case_watch (
    case_id     TEXT PRIMARY KEY,
    case_number TEXT NOT NULL,
    kind        TEXT NOT NULL,
    due_date    TEXT NOT NULL,
    yellow_from TEXT NOT NULL,
    region      TEXT NOT NULL,
    department  TEXT NOT NULL,
    responsible TEXT
);
CREATE INDEX case_watch_yellow ON case_watch(yellow_from);

-- Raised warnings; cleared ones stay as history. At most one open warning per case, deadline
-- kind and level, so concurrent scans on several nodes cannot raise twice.
CREATE TABLE warnings (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL,
    case_number    TEXT NOT NULL,
    kind           TEXT NOT NULL,
    level          TEXT NOT NULL,
    due_date       TEXT NOT NULL,
    region         TEXT NOT NULL,
    department     TEXT NOT NULL,
    responsible    TEXT,
    raised_at      BIGINT NOT NULL,
    cleared_at     BIGINT,
    cleared_reason TEXT NOT NULL
);
CREATE UNIQUE INDEX warnings_open ON warnings(case_id, kind, level) WHERE cleared_at IS NULL;
CREATE INDEX warnings_department ON warnings(department, cleared_at);
CREATE INDEX warnings_case ON warnings(case_id);

-- 督办: a supervisor's notice on a warning, landing in the responsible department's queue.
CREATE TABLE supervision_notices (
    id          TEXT PRIMARY KEY,
    warning_id  TEXT NOT NULL REFERENCES warnings(id),
    case_id     TEXT NOT NULL,
    department  TEXT NOT NULL,
    sent_by     TEXT NOT NULL,
    message     TEXT NOT NULL,
    sent_at     BIGINT NOT NULL,
    resolved_by TEXT,
    resolution  TEXT NOT NULL,
    resolved_at BIGINT
);
CREATE INDEX supervision_notices_department ON supervision_notices(department, resolved_at);
