-- Several nodes on one database: the periodic jobs (电子监察 scan, 容缺 sweep, default
-- ratings, booking reminders, …) run on the node holding the job's lease, and each round a
-- holder ran is written down, so that a run can be checked to have happened once.
CREATE TABLE job_leases (
    job         TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    taken_at    BIGINT NOT NULL
);

CREATE TABLE job_rounds (
    job         TEXT NOT NULL,
    owner       TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    PRIMARY KEY (job, started_at, owner)
);
