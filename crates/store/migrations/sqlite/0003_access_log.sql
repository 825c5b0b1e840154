-- Staff reads of a case's personal data (who, when, which case): kept apart from the case's
-- audit chain so reading never changes the record it reads.
CREATE TABLE access_log (
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    case_id TEXT NOT NULL,
    what    TEXT NOT NULL
);
CREATE INDEX access_log_case ON access_log(case_id, at);
