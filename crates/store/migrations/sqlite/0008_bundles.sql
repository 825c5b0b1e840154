-- 一件事: bundle definitions (catalog data), bundle applications (the parent), and which case
-- each member item became (the children). A member waits (no case yet) until the members it
-- needs are approved; then its case is created from the parent's form and materials.
CREATE TABLE bundles (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    region          TEXT NOT NULL,
    lead_department TEXT NOT NULL,
    -- The domain's BundleDefinition as JSON.
    data            TEXT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE bundle_cases (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL,
    bundle_code     TEXT NOT NULL REFERENCES bundles(code),
    applicant_id    TEXT NOT NULL,
    lead_department TEXT NOT NULL,
    region          TEXT NOT NULL,
    -- The merged form, the chosen optional members and the uploaded materials, as JSON.
    data            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX bundle_cases_applicant ON bundle_cases(applicant_id, created_at);
CREATE INDEX bundle_cases_lead ON bundle_cases(lead_department, created_at);

CREATE TABLE bundle_children (
    bundle_case_id TEXT NOT NULL REFERENCES bundle_cases(id),
    item_code      TEXT NOT NULL,
    -- waiting | started | skipped (held already, or an optional member not chosen)
    status         TEXT NOT NULL,
    case_id        TEXT,
    note           TEXT NOT NULL,
    PRIMARY KEY (bundle_case_id, item_code)
);
CREATE INDEX bundle_children_case ON bundle_children(case_id);
CREATE INDEX bundle_children_status ON bundle_children(status);
