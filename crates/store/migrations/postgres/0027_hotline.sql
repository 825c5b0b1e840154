-- The 12345 hotline: tickets (the whole ticket as JSON, with the columns lists, duplicate
-- checks and the 接诉即办 measures filter and count on), their audit chain, the daily
-- numbering, the classification tree and dispatch rules, the knowledge base (every version
-- kept) and the questions asked on item guides.
CREATE TABLE hotline_tickets (
    id          TEXT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    channel     TEXT NOT NULL,
    class       TEXT NOT NULL,
    region      TEXT NOT NULL,
    state       TEXT NOT NULL,
    department  TEXT,
    phone       TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    -- The address without whitespace: what duplicates are matched on.
    address_key TEXT NOT NULL DEFAULT '',
    account     TEXT,
    -- The county (first six digits of the region), month, day and hour (China time) it came
    -- in: what the measures and hotspots group by.
    county      TEXT NOT NULL,
    month       TEXT NOT NULL,
    day         TEXT NOT NULL,
    hour        BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    closed_at   BIGINT,
    -- Measures: 1/0 flags kept in step with the ticket on every write.
    dispatched  BIGINT NOT NULL DEFAULT 0,
    -- 签收 happened (in time or not) since the last dispatch; else `respond_due` tells
    -- whether it is late yet.
    accepted    BIGINT NOT NULL DEFAULT 0,
    respond_due BIGINT,
    in_time     BIGINT NOT NULL DEFAULT 0,
    called_back BIGINT NOT NULL DEFAULT 0,
    resolved    BIGINT NOT NULL DEFAULT 0,
    satisfied   BIGINT NOT NULL DEFAULT 0,
    direct      BIGINT NOT NULL DEFAULT 0,
    data        TEXT NOT NULL,
    version     BIGINT NOT NULL DEFAULT 0,
    head_seq    BIGINT,
    head_hash   TEXT
);
CREATE INDEX hotline_tickets_state ON hotline_tickets(state, created_at);
CREATE INDEX hotline_tickets_department ON hotline_tickets(department, state);
CREATE INDEX hotline_tickets_phone ON hotline_tickets(phone, created_at);
CREATE INDEX hotline_tickets_address ON hotline_tickets(address_key, created_at);
CREATE INDEX hotline_tickets_created ON hotline_tickets(created_at);
CREATE INDEX hotline_tickets_month ON hotline_tickets(month, department);
CREATE INDEX hotline_tickets_account ON hotline_tickets(account);

-- The 协办 departments of each ticket, so a department's list is an index lookup.
CREATE TABLE hotline_ticket_departments (
    department TEXT NOT NULL,
    ticket_id  TEXT NOT NULL REFERENCES hotline_tickets(id),
    PRIMARY KEY (department, ticket_id)
);

CREATE TABLE hotline_events (
    ticket_id TEXT NOT NULL REFERENCES hotline_tickets(id),
    seq       BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    role      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (ticket_id, seq)
);

CREATE TABLE hotline_counters (
    day  TEXT PRIMARY KEY,
    last BIGINT NOT NULL
);

CREATE TABLE hotline_classes (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE hotline_dispatch_rules (
    class      TEXT NOT NULL,
    region     TEXT NOT NULL,
    department TEXT NOT NULL,
    PRIMARY KEY (class, region)
);

CREATE TABLE kb_articles (
    id         TEXT NOT NULL,
    version    BIGINT NOT NULL,
    latest     BIGINT NOT NULL,
    question   TEXT NOT NULL,
    answer     TEXT NOT NULL,
    regions    TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to   TEXT,
    source     TEXT NOT NULL DEFAULT '',
    items      TEXT NOT NULL DEFAULT '[]',
    owner      TEXT NOT NULL,
    review_by  TEXT NOT NULL,
    flagged    TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX kb_articles_latest ON kb_articles(latest, owner);

CREATE TABLE item_questions (
    id          TEXT PRIMARY KEY,
    item        TEXT NOT NULL,
    department  TEXT NOT NULL,
    text        TEXT NOT NULL,
    asker       TEXT NOT NULL,
    asked_at    BIGINT NOT NULL,
    answer      TEXT NOT NULL DEFAULT '',
    answered_at BIGINT,
    answered_by TEXT,
    public      BIGINT NOT NULL DEFAULT 0,
    article     TEXT
);
CREATE INDEX item_questions_item ON item_questions(item, public);
CREATE INDEX item_questions_department ON item_questions(department, answered_at);
CREATE INDEX item_questions_asker ON item_questions(asker, asked_at);

-- 办件结果公示 lists an item's latest decided cases.
CREATE INDEX cases_item_updated ON cases(item_code, updated_at);
