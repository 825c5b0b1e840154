-- 体外循环: suspicions the supervision scan raised (先办后录, 集中补录, 受理后数秒即决定), each
-- with its evidence in words, and the supervisor's judgement: confirmed or dismissed, with a
-- note. One per signal and case, so repeated scans raise nothing twice.
CREATE TABLE off_platform_suspicions (
    id          TEXT PRIMARY KEY,
    signal      TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    case_number TEXT NOT NULL,
    staff       TEXT NOT NULL,
    region      TEXT NOT NULL,
    department  TEXT NOT NULL,
    evidence    TEXT NOT NULL,
    raised_at   BIGINT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'open',
    decided_by  TEXT,
    decided_at  BIGINT,
    note        TEXT NOT NULL DEFAULT '',
    UNIQUE (signal, case_id)
);
CREATE INDEX off_platform_by_state ON off_platform_suspicions(state, raised_at);
