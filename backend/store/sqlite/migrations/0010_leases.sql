-- Leases several instances on one database share out (the scheduler, each
-- hosted server's connections), and the scheduler's last runs, which were
-- a file of the data folder (scheduler.json) when one process ran the jobs.
-- Times are Unix milliseconds of the wall clock.
CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL CHECK (holder <> ''),
    address    TEXT    NOT NULL DEFAULT '',
    since      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX leases_holder ON leases (holder);
CREATE TABLE job_runs (
    job      TEXT    PRIMARY KEY,
    last_run INTEGER NOT NULL
);
