-- 统一公共支付: every order placed with the payment platform for a case's assessed fee, its
-- payment (the platform's trade number and the 电子票据), and a refund if one was made.
CREATE TABLE payments (
    order_id      TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL,
    amount_fen    BIGINT NOT NULL,
    -- created, paid, refunded
    state         TEXT NOT NULL,
    pay_url       TEXT NOT NULL,
    trade_no      TEXT NOT NULL,
    receipt_no    TEXT NOT NULL,
    receipt_url   TEXT NOT NULL,
    refund_no     TEXT NOT NULL,
    refund_reason TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    paid_at       BIGINT,
    refunded_at   BIGINT
);
CREATE INDEX payments_case ON payments(case_id, created_at);
CREATE INDEX payments_paid ON payments(paid_at);
