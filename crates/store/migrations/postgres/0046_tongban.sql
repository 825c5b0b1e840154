-- 跨市通办 between platforms. tongban_out: applications this platform's windows received and
-- forwarded to another city's platform, with the progress reported back (JSON list, newest
-- last) and the hand-over of the result. tongban_in: forwards received here, the case each
-- became and how far its progress has been pushed back to the sender.
CREATE TABLE tongban_out (
    id                  TEXT PRIMARY KEY,
    partner             TEXT NOT NULL,
    item_code           TEXT NOT NULL,
    item_name           TEXT NOT NULL,
    applicant_name      TEXT NOT NULL,
    applicant_id_number TEXT NOT NULL,
    applicant_phone     TEXT NOT NULL,
    point_code          TEXT NOT NULL,
    point_name          TEXT NOT NULL,
    region              TEXT NOT NULL,
    clerk_id            TEXT NOT NULL,
    clerk_name          TEXT NOT NULL,
    sent_at             BIGINT NOT NULL,
    case_number         TEXT NOT NULL,
    version             BIGINT,
    progress            TEXT NOT NULL DEFAULT '[]',
    handed_over_at      BIGINT,
    handed_over_by      TEXT
);
CREATE INDEX tongban_out_region ON tongban_out (region, sent_at);
CREATE TABLE tongban_in (
    partner        TEXT NOT NULL,
    reference      TEXT NOT NULL,
    case_id        TEXT NOT NULL UNIQUE,
    case_number    TEXT NOT NULL,
    received_at    BIGINT NOT NULL,
    pushed_version BIGINT NOT NULL DEFAULT 0,
    push_error     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (partner, reference)
);
