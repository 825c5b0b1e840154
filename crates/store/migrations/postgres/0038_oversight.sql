-- Oversight after approval: 双随机一公开 plans with their draw (the seed, the lists drawn from
-- and the result, so anyone can re-run it) and results; 行政处罚 cases with their steps; the
-- credit record with its repairs (信用修复).
CREATE TABLE inspection_plans (
    id          TEXT PRIMARY KEY,
    department  TEXT NOT NULL,
    region      TEXT NOT NULL,
    title       TEXT NOT NULL,
    -- domain::inspection::Plan as JSON.
    plan        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    seed        TEXT NOT NULL DEFAULT '',
    drawn_by    TEXT NOT NULL DEFAULT '',
    drawn_at    BIGINT NOT NULL DEFAULT 0,
    -- The lists the draw was made from and its result, as JSON.
    candidates  TEXT NOT NULL DEFAULT '[]',
    inspectors  TEXT NOT NULL DEFAULT '[]',
    assignments TEXT NOT NULL DEFAULT '[]',
    -- YYYY-MM-DD by which the results are public.
    publish_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX inspection_plans_department ON inspection_plans (department, created_at);

CREATE TABLE inspection_results (
    plan_id     TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    target_name TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    findings    TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    penalty_id  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (plan_id, target_id)
);

CREATE TABLE penalty_cases (
    id          TEXT PRIMARY KEY,
    department  TEXT NOT NULL,
    region      TEXT NOT NULL,
    holder_id   TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    facts       TEXT NOT NULL,
    step        TEXT NOT NULL,
    -- The plan whose finding opened it, empty otherwise.
    source      TEXT NOT NULL DEFAULT '',
    -- Each step taken as JSON: [{step, text, by, at}].
    history     TEXT NOT NULL DEFAULT '[]',
    penalized   BIGINT NOT NULL DEFAULT 0,
    fine        BIGINT NOT NULL DEFAULT 0,
    decision    TEXT NOT NULL DEFAULT '',
    opened_by   TEXT NOT NULL,
    opened_at   BIGINT NOT NULL,
    decided_at  BIGINT NOT NULL DEFAULT 0,
    executed_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX penalty_cases_holder ON penalty_cases (holder_id);

CREATE TABLE credit_records (
    id            TEXT PRIMARY KEY,
    subject_id    TEXT NOT NULL,
    subject_name  TEXT NOT NULL,
    kind          TEXT NOT NULL,
    -- The region of the authority that recorded it (whose supervisors decide its repair).
    region        TEXT NOT NULL,
    -- What it records: a case, a penalty case, a plan and target.
    source        TEXT NOT NULL,
    note          TEXT NOT NULL,
    -- YYYY-MM-DD of the fact.
    on_day        TEXT NOT NULL,
    at            BIGINT NOT NULL,
    -- 信用修复: '' | applied | repaired | refused.
    repair        TEXT NOT NULL DEFAULT '',
    repair_reason TEXT NOT NULL DEFAULT '',
    repair_note   TEXT NOT NULL DEFAULT '',
    repair_by     TEXT NOT NULL DEFAULT '',
    repair_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX credit_records_subject ON credit_records (subject_id, at);
