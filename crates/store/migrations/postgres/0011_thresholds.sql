-- PostgreSQL twin of the SQLite migration. 电子监察 thresholds, most specific first: an item code, then a region code, then '' (the
-- platform default). No row: the built-in default (1 working day or 20 %).
CREATE TABLE warning_thresholds (
    scope          TEXT PRIMARY KEY,
    yellow_days    BIGINT NOT NULL,
    yellow_percent BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
