-- Per-day sums in stripes (issue 29). Every case change adds its difference to the sums'
-- rows in its own transaction; on PostgreSQL an upsert locks its row until the commit, so
-- every concurrent change of one item at one department on one day waited for the commit
-- before it (85 of 87 seconds of statement time in a 64-client lifecycle run). A change now
-- adds to one of 16 rows of its day and place, the stripe its case id picks
-- (store::stats::stripe_of); the reports add the stripes up as they add the days. Rows
-- written before keep stripe 0.
-- SQLite cannot change a primary key, so each table is made anew and its rows copied.

CREATE TABLE stat_days_striped (
    day                TEXT NOT NULL,
    region             TEXT NOT NULL,
    department         TEXT NOT NULL,
    item_code          TEXT NOT NULL,
    received           BIGINT NOT NULL,
    accepted           BIGINT NOT NULL,
    decided            BIGINT NOT NULL,
    completed          BIGINT NOT NULL,
    on_time            BIGINT NOT NULL,
    late               BIGINT NOT NULL,
    online             BIGINT NOT NULL,
    full_online        BIGINT NOT NULL,
    instant            BIGINT NOT NULL,
    handled            BIGINT NOT NULL,
    handling_days      BIGINT NOT NULL,
    materials_required BIGINT NOT NULL,
    materials_avoided  BIGINT NOT NULL,
    visits             BIGINT NOT NULL,
    stripe     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, region, department, item_code, stripe)
);
INSERT INTO stat_days_striped (day, region, department, item_code, received, accepted, decided, completed, on_time, late, online, full_online, instant, handled, handling_days, materials_required, materials_avoided, visits, stripe)
    SELECT day, region, department, item_code, received, accepted, decided, completed, on_time, late, online, full_online, instant, handled, handling_days, materials_required, materials_avoided, visits, 0 FROM stat_days;
DROP TABLE stat_days;
ALTER TABLE stat_days_striped RENAME TO stat_days;

CREATE TABLE stat_handling_striped (
    day        TEXT NOT NULL,
    region     TEXT NOT NULL,
    department TEXT NOT NULL,
    item_code  TEXT NOT NULL,
    days       INTEGER NOT NULL,
    cases      BIGINT NOT NULL,
    stripe     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, region, department, item_code, days, stripe)
);
INSERT INTO stat_handling_striped (day, region, department, item_code, days, cases, stripe)
    SELECT day, region, department, item_code, days, cases, 0 FROM stat_handling;
DROP TABLE stat_handling;
ALTER TABLE stat_handling_striped RENAME TO stat_handling;

CREATE TABLE stat_open_striped (
    day        TEXT NOT NULL,
    region     TEXT NOT NULL,
    department TEXT NOT NULL,
    item_code  TEXT NOT NULL,
    due        TEXT NOT NULL,
    cases      BIGINT NOT NULL,
    stripe     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, region, department, item_code, due, stripe)
);
INSERT INTO stat_open_striped (day, region, department, item_code, due, cases, stripe)
    SELECT day, region, department, item_code, due, cases, 0 FROM stat_open;
DROP TABLE stat_open;
ALTER TABLE stat_open_striped RENAME TO stat_open;
