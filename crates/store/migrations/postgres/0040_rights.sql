-- Rights by level: what each service point may do with an item (咨询引导, 收件受理, 办结) with
-- its basis, and delegations (下放, 委托) of an item's power from a department to a service
-- point, with dates, basis and whether the point took it over (承接).
CREATE TABLE point_rights (
    point      TEXT NOT NULL,
    item_code  TEXT NOT NULL,
    guide      BIGINT NOT NULL DEFAULT 0,
    accept     BIGINT NOT NULL DEFAULT 0,
    conclude   BIGINT NOT NULL DEFAULT 0,
    basis      TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (point, item_code)
);

CREATE TABLE delegations (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    item_code  TEXT NOT NULL,
    delegator  TEXT NOT NULL,
    receiver   TEXT NOT NULL,
    -- YYYY-MM-DD; ends '' when open-ended.
    starts     TEXT NOT NULL,
    ends       TEXT NOT NULL DEFAULT '',
    basis      TEXT NOT NULL,
    takeover   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX delegations_receiver ON delegations (receiver, item_code);
CREATE INDEX delegations_item ON delegations (item_code);
