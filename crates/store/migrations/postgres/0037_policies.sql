-- 惠企政策 and 免申即享: what the platform holds about enterprises and persons (shared data and
-- its own records), the policies with their rules (the draft on the policy, each published
-- rule kept as a version), and the grants: the 兑现 ledger, one row per policy and subject.
CREATE TABLE subject_facts (
    subject_id    TEXT PRIMARY KEY,
    target        TEXT NOT NULL,
    name          TEXT NOT NULL,
    industry      TEXT NOT NULL DEFAULT '',
    size          TEXT NOT NULL DEFAULT '',
    region        TEXT NOT NULL DEFAULT '',
    -- YYYY-MM-DD, '' when not known.
    registered_on TEXT NOT NULL DEFAULT '',
    -- -1 when not known.
    employees     BIGINT NOT NULL DEFAULT -1,
    birth_date    TEXT NOT NULL DEFAULT '',
    hukou_region  TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX subject_facts_target ON subject_facts (target, subject_id);

CREATE TABLE policies (
    id           TEXT PRIMARY KEY,
    department   TEXT NOT NULL,
    region       TEXT NOT NULL,
    -- domain::policy::Terms as JSON (the draft, or what was last published).
    terms        TEXT NOT NULL,
    title        TEXT NOT NULL,
    target       TEXT NOT NULL,
    mode         TEXT NOT NULL,
    state        TEXT NOT NULL,
    version      BIGINT NOT NULL DEFAULT 0,
    created_by   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    published_at BIGINT NOT NULL DEFAULT 0,
    last_run_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX policies_state ON policies (state, region);

CREATE TABLE policy_versions (
    policy_id    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    terms        TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, version)
);

CREATE TABLE policy_grants (
    policy_id    TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    version      BIGINT NOT NULL,
    amount       BIGINT NOT NULL,
    -- domain::policy::Decision as JSON: why the subject was found eligible.
    explanation  TEXT NOT NULL,
    state        TEXT NOT NULL,
    bank         TEXT NOT NULL DEFAULT '',
    account      TEXT NOT NULL DEFAULT '',
    confirmed_by TEXT NOT NULL DEFAULT '',
    paid_ref     TEXT NOT NULL DEFAULT '',
    paid_by      TEXT NOT NULL DEFAULT '',
    granted_at   BIGINT NOT NULL,
    confirmed_at BIGINT NOT NULL DEFAULT 0,
    paid_at      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (policy_id, subject_id)
);
CREATE INDEX policy_grants_subject ON policy_grants (subject_id);
