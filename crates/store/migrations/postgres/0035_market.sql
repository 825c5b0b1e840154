-- 中介超市: intermediaries registered and reviewed, jobs posted with their bids, the
-- selection (a draw's seed and order kept so anyone can re-run it), the contract, the
-- delivery and the rating, and the marks on the public credit list.
CREATE TABLE intermediaries (
    credit_code   TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    registration  TEXT NOT NULL,
    standing      TEXT NOT NULL,
    review_note   TEXT NOT NULL DEFAULT '',
    reviewed_by   TEXT NOT NULL DEFAULT '',
    registered_at BIGINT NOT NULL,
    reviewed_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX intermediaries_account ON intermediaries (account_id);

CREATE TABLE market_jobs (
    id              TEXT PRIMARY KEY,
    buyer_id        TEXT NOT NULL,
    buyer_name      TEXT NOT NULL,
    title           TEXT NOT NULL,
    service         TEXT NOT NULL,
    scope           TEXT NOT NULL,
    budget_cap      BIGINT NOT NULL,
    bid_deadline    BIGINT NOT NULL,
    delivery_days   BIGINT NOT NULL,
    method          TEXT NOT NULL,
    region          TEXT NOT NULL,
    project_code    TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL,
    posted_at       BIGINT NOT NULL,
    winner          TEXT NOT NULL DEFAULT '',
    seed            TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    draw            TEXT NOT NULL DEFAULT '[]',
    selected_at     BIGINT NOT NULL DEFAULT 0,
    contract_amount BIGINT NOT NULL DEFAULT 0,
    contract_days   BIGINT NOT NULL DEFAULT 0,
    contracted_at   BIGINT NOT NULL DEFAULT 0,
    report_key      TEXT NOT NULL DEFAULT '',
    report_name     TEXT NOT NULL DEFAULT '',
    delivered_at    BIGINT NOT NULL DEFAULT 0,
    stars           BIGINT NOT NULL DEFAULT 0,
    comment         TEXT NOT NULL DEFAULT '',
    rated_at        BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX market_jobs_state ON market_jobs (state, bid_deadline);

CREATE TABLE market_bids (
    job_id      TEXT NOT NULL,
    credit_code TEXT NOT NULL,
    price       BIGINT NOT NULL,
    days        BIGINT NOT NULL,
    placed_at   BIGINT NOT NULL,
    -- 综合评价 quality points given by the buyer; -1 until given.
    quality     BIGINT NOT NULL DEFAULT -1,
    PRIMARY KEY (job_id, credit_code)
);

CREATE TABLE market_marks (
    id          TEXT PRIMARY KEY,
    credit_code TEXT NOT NULL,
    job_id      TEXT NOT NULL,
    mark        TEXT NOT NULL,
    at          BIGINT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX market_marks_code ON market_marks (credit_code, at);
