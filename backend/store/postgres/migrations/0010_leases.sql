-- postgres/migrations/0010_leases.sql: leases several instances share out
-- (the scheduler, each hosted server's connections), and the scheduler's
-- last runs. Times are Unix milliseconds of the wall clock.
CREATE TABLE leases (
    name       TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL CHECK (holder <> ''),
    address    TEXT   NOT NULL DEFAULT '',
    since      BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX leases_holder ON leases (holder);
CREATE TABLE job_runs (
    job      TEXT   PRIMARY KEY,
    last_run BIGINT NOT NULL
);
