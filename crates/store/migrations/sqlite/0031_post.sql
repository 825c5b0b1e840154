-- 邮寄送达: the courier's shipment of a case's result (one per case; the recipient is personal
-- data, shown masked to staff other than the window), and every tracking scan it called back
-- with, once each by (waybill, seq).
CREATE TABLE shipments (
    case_id           TEXT PRIMARY KEY,
    carrier           TEXT NOT NULL,
    waybill           TEXT NOT NULL UNIQUE,
    recipient_name    TEXT NOT NULL,
    recipient_phone   TEXT NOT NULL,
    recipient_address TEXT NOT NULL,
    -- the latest status by domain::post::state_after; '' until the first scan
    state             TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE shipment_scans (
    waybill     TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    status      TEXT NOT NULL,
    description TEXT NOT NULL,
    signer      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (waybill, seq)
);
