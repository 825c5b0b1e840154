-- Events for systems outside the platform (NATS, webhooks, the upper-level platform): each row
-- is written in the transaction of the change it describes, then delivered by the relay to
-- every configured sink, which keeps its own position in `outbox_cursors`.
CREATE TABLE outbox (
    -- Delivery order. Numbers are taken before commit, so a row may become visible after a
    -- higher one, and a rolled-back one leaves a gap: the relay waits out the transactions
    -- that were running when it saw a gap (by the snapshot's horizon, see `db::horizon`) before passing.
    seq        BIGSERIAL PRIMARY KEY,
    -- The idempotency key consumers see (UUID v7).
    id         TEXT NOT NULL UNIQUE,
    topic      TEXT NOT NULL,
    -- "case:<id>", "ticket:<id>", …: order is kept per aggregate.
    aggregate  TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_created ON outbox (created_at);

-- One row per sink: everything up to `position` has been delivered (or buried).
CREATE TABLE outbox_cursors (
    sink        TEXT PRIMARY KEY,
    position    BIGINT NOT NULL DEFAULT 0,
    delivered   BIGINT NOT NULL DEFAULT 0,
    -- Failures of the event after `position`, and when to try it again.
    attempts    BIGINT NOT NULL DEFAULT 0,
    retry_at    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT,
    -- The node delivering for this sink, until when (one deliverer per sink).
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL
);

-- Events a sink refused for good (dead letters), kept until an administrator replays them.
CREATE TABLE outbox_dead (
    sink        TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    attempts    BIGINT NOT NULL,
    last_error  TEXT NOT NULL,
    dead_at     BIGINT NOT NULL,
    -- 1 once an administrator asked for it to be sent again; cleared by the attempt.
    replay      BIGINT NOT NULL DEFAULT 0,
    replayed_at BIGINT,
    PRIMARY KEY (sink, seq)
);
