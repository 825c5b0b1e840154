-- 最多跑一次 回访: each month's sample of closed cases per region, drawn once by SM3 of the
-- recorded seed over the month's case numbers, and the call-back result of each sampled case.
CREATE TABLE visit_samples (
    month      TEXT NOT NULL,
    region     TEXT NOT NULL,
    seed       TEXT NOT NULL,
    population BIGINT NOT NULL,
    drawn_by   TEXT NOT NULL,
    drawn_at   BIGINT NOT NULL,
    PRIMARY KEY (month, region)
);
CREATE TABLE visit_callbacks (
    month       TEXT NOT NULL,
    region      TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    case_number TEXT NOT NULL,
    position    BIGINT NOT NULL,
    reached     BIGINT,
    visits_said BIGINT,
    note        TEXT NOT NULL DEFAULT '',
    called_by   TEXT,
    called_at   BIGINT,
    PRIMARY KEY (month, region, case_id)
);
