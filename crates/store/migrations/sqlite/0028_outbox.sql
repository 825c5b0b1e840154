-- Events for systems outside the platform (NATS, webhooks, the upper-level platform): each row
-- is written in the transaction of the change it describes, then delivered by the relay to
-- every configured sink, which keeps its own position in `outbox_cursors`.
CREATE TABLE outbox (
    -- Delivery order. AUTOINCREMENT: a number is never reused, even after the newest row
    -- is pruned, so a sink's position stays meaningful.
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The idempotency key consumers see (UUID v7).
    id         TEXT NOT NULL UNIQUE,
    topic      TEXT NOT NULL,
    -- "case:<id>", "ticket:<id>", …: order is kept per aggregate.
    aggregate  TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_created ON outbox (created_at);

-- One row per sink: everything up to `position` has been delivered (or buried).
CREATE TABLE outbox_cursors (
    sink        TEXT PRIMARY KEY,
    position    INTEGER NOT NULL DEFAULT 0,
    delivered   INTEGER NOT NULL DEFAULT 0,
    -- Failures of the event after `position`, and when to try it again.
    attempts    INTEGER NOT NULL DEFAULT 0,
    retry_at    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    -- The node delivering for this sink, until when (one deliverer per sink).
    lease_owner TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
);

-- Events a sink refused for good (dead letters), kept until an administrator replays them.
CREATE TABLE outbox_dead (
    sink        TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    last_error  TEXT NOT NULL,
    dead_at     INTEGER NOT NULL,
    -- 1 once an administrator asked for it to be sent again; cleared by the attempt.
    replay      INTEGER NOT NULL DEFAULT 0,
    replayed_at INTEGER,
    PRIMARY KEY (sink, seq)
);
