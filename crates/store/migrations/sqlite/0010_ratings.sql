-- 好差评: one rating per case and service act (网上服务 一事一评: act 'case'; 现场服务 一次一评:
-- 'counter:N'), and the rectification ticket a bad review opens, with its history.
CREATE TABLE ratings (
    id          TEXT PRIMARY KEY,
    case_id     TEXT NOT NULL,
    case_number TEXT NOT NULL,
    act         TEXT NOT NULL,
    channel     TEXT NOT NULL,
    rater_id    TEXT NOT NULL,
    -- 1 when the rater lets the rated staff see who they are.
    named       BIGINT NOT NULL,
    -- 满意度 code: 1 非常满意 … 5 非常不满意.
    level       BIGINT NOT NULL,
    tags        TEXT NOT NULL,
    text        TEXT NOT NULL,
    region      TEXT NOT NULL,
    department  TEXT NOT NULL,
    item_code   TEXT NOT NULL,
    rated_at    BIGINT NOT NULL,
    -- 1 when a malicious-rating appeal was upheld: kept, but not counted.
    excluded    BIGINT NOT NULL
);
CREATE UNIQUE INDEX ratings_act ON ratings(case_id, act);
CREATE INDEX ratings_department ON ratings(department, rated_at);
CREATE INDEX ratings_rated_at ON ratings(rated_at);

CREATE TABLE rating_tickets (
    id         TEXT PRIMARY KEY,
    rating_id  TEXT NOT NULL UNIQUE REFERENCES ratings(id),
    case_id    TEXT NOT NULL,
    department TEXT NOT NULL,
    -- The domain's TicketState as JSON, and its tag for queries.
    state      TEXT NOT NULL,
    status     TEXT NOT NULL,
    due_date   TEXT NOT NULL,
    opened_at  BIGINT NOT NULL,
    closed_at  BIGINT,
    version    BIGINT NOT NULL
);
CREATE INDEX rating_tickets_department ON rating_tickets(department, status);

CREATE TABLE rating_ticket_events (
    ticket_id TEXT NOT NULL REFERENCES rating_tickets(id),
    seq       BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);

-- The default-rating pass looks for finished cases by when they finished.
CREATE INDEX cases_state_updated ON cases(state, updated_at);

-- Statistics read cases by when they were received, per department.
CREATE INDEX cases_department_created ON cases(department, created_at);
CREATE INDEX cases_created ON cases(created_at);
