-- Statistics kept as they happen (issue 29): a report over a month or a year adds per-day
-- sums instead of reading every case of the period. Each received (non-draft) case has one
-- row of its facts in case_stats, written with the case in the same transaction; the change
-- of that row moves stat_days (counts), stat_handling (the handling-time histogram, for the
-- median) and stat_open (open cases by promised deadline, for 超期) by the difference
-- (domain::stats::delta). The days are Beijing days of the
-- case's created_at, as the reports have always counted them.
--
-- The rows are filled from the cases by the application (app::stats::rebuild) the first time
-- it starts on this schema, marked by the meta key case_stats_v1: the facts need the items'
-- limits and the work calendar, which SQL does not have.
CREATE TABLE case_stats (
    case_id            TEXT PRIMARY KEY,
    day                TEXT NOT NULL,
    region             TEXT NOT NULL,
    department         TEXT NOT NULL,
    item_code          TEXT NOT NULL,
    online             INTEGER NOT NULL,
    e_delivered        INTEGER NOT NULL,
    instant            INTEGER NOT NULL,
    accepted           INTEGER NOT NULL,
    decided            INTEGER NOT NULL,
    completed          INTEGER NOT NULL,
    on_time            INTEGER,
    handling_days      INTEGER,
    materials_required INTEGER NOT NULL,
    materials_avoided  INTEGER NOT NULL,
    visits             INTEGER NOT NULL,
    -- The promised deadline of a case still open; overdue is open_due < the reading day.
    open_due           TEXT
);

CREATE TABLE stat_days (
    day                TEXT NOT NULL,
    region             TEXT NOT NULL,
    department         TEXT NOT NULL,
    item_code          TEXT NOT NULL,
    received           BIGINT NOT NULL,
    accepted           BIGINT NOT NULL,
    decided            BIGINT NOT NULL,
    completed          BIGINT NOT NULL,
    on_time            BIGINT NOT NULL,
    late               BIGINT NOT NULL,
    online             BIGINT NOT NULL,
    full_online        BIGINT NOT NULL,
    instant            BIGINT NOT NULL,
    handled            BIGINT NOT NULL,
    handling_days      BIGINT NOT NULL,
    materials_required BIGINT NOT NULL,
    materials_avoided  BIGINT NOT NULL,
    visits             BIGINT NOT NULL,
    PRIMARY KEY (day, region, department, item_code)
);

CREATE TABLE stat_handling (
    day        TEXT NOT NULL,
    region     TEXT NOT NULL,
    department TEXT NOT NULL,
    item_code  TEXT NOT NULL,
    days       INTEGER NOT NULL,
    cases      BIGINT NOT NULL,
    PRIMARY KEY (day, region, department, item_code, days)
);

-- Open cases by the day they were received and their promised deadline: those with a
-- deadline before the reading day are 超期 (a case's deadline moves only with a change of
-- the case, which moves this count).
CREATE TABLE stat_open (
    day        TEXT NOT NULL,
    region     TEXT NOT NULL,
    department TEXT NOT NULL,
    item_code  TEXT NOT NULL,
    due        TEXT NOT NULL,
    cases      BIGINT NOT NULL,
    PRIMARY KEY (day, region, department, item_code, due)
);
