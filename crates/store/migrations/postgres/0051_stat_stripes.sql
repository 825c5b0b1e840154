-- Per-day sums in stripes (issue 29). Every case change adds its difference to the sums'
-- rows in its own transaction; on PostgreSQL an upsert locks its row until the commit, so
-- every concurrent change of one item at one department on one day waited for the commit
-- before it (85 of 87 seconds of statement time in a 64-client lifecycle run). A change now
-- adds to one of 16 rows of its day and place, the stripe its case id picks
-- (store::stats::stripe_of); the reports add the stripes up as they add the days. Rows
-- written before keep stripe 0.
ALTER TABLE stat_days ADD COLUMN stripe INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stat_days DROP CONSTRAINT stat_days_pkey;
ALTER TABLE stat_days ADD PRIMARY KEY (day, region, department, item_code, stripe);

ALTER TABLE stat_handling ADD COLUMN stripe INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stat_handling DROP CONSTRAINT stat_handling_pkey;
ALTER TABLE stat_handling ADD PRIMARY KEY (day, region, department, item_code, days, stripe);

ALTER TABLE stat_open ADD COLUMN stripe INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stat_open DROP CONSTRAINT stat_open_pkey;
ALTER TABLE stat_open ADD PRIMARY KEY (day, region, department, item_code, due, stripe);
