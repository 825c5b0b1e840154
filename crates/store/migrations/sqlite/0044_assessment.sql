-- 考核: indicators (a formula over the platform's figures, a unit, a weight, whether higher is
-- better) and targets per year, for every department (department '') or one.
CREATE TABLE assessment_indicators (
    code          TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    formula       TEXT NOT NULL,
    unit          TEXT NOT NULL DEFAULT '',
    higher_better BIGINT NOT NULL,
    weight        BIGINT NOT NULL,
    position      BIGINT NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE TABLE assessment_targets (
    year       BIGINT NOT NULL,
    department TEXT NOT NULL,
    indicator  TEXT NOT NULL,
    value      REAL NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (year, department, indicator)
);
