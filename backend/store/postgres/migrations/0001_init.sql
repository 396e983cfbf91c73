-- The PostgreSQL translation of sqlite/migrations/0001_init.sql; each step
-- here translates the SQLite step of the same number, so that both reach
-- the same schema. The shared Go code reads and writes both: integers are
-- BIGINT as SQLite's are 64-bit (times in Unix milliseconds, sizes, ids),
-- but for the 0/1 flags, INTEGER; text is TEXT. Ids are identities, never
-- reused (SQLite's AUTOINCREMENT, which 0005 and 0006 ask for), and
-- GENERATED ALWAYS so that no insert can pass one of its own and meet the
-- sequence later.
CREATE TABLE establishments (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hosting_number   TEXT    NOT NULL UNIQUE CHECK (length(hosting_number) = 12),
    name             TEXT    NOT NULL,
    uai              TEXT    NOT NULL,
    email            TEXT    NOT NULL,
    phone            TEXT    NOT NULL,
    admin_seats      BIGINT  NOT NULL CHECK (admin_seats >= 0),
    teacher_seats    BIGINT  NOT NULL CHECK (teacher_seats >= 0),
    quota_bytes      BIGINT  NOT NULL CHECK (quota_bytes > 0),
    password_hash    TEXT    NOT NULL,
    first_login_done INTEGER NOT NULL DEFAULT 0,
    failed_logins    BIGINT  NOT NULL DEFAULT 0,
    locked_until     BIGINT  NOT NULL DEFAULT 0,
    server_state     TEXT    NOT NULL DEFAULT 'stopped' CHECK (server_state IN ('stopped', 'running')),
    -- References bases, created below: the key is added after it.
    opened_base_id   BIGINT,
    version          BIGINT  NOT NULL,
    revision         BIGINT  NOT NULL DEFAULT 0,
    created_at       BIGINT  NOT NULL
);

CREATE TABLE invoices (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    establishment_id BIGINT  NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    number           TEXT    NOT NULL UNIQUE CHECK (length(number) = 10),
    issued_at        BIGINT  NOT NULL,
    label            TEXT    NOT NULL
);
CREATE INDEX invoices_establishment ON invoices (establishment_id, issued_at);

CREATE TABLE bases (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    establishment_id BIGINT  NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    school_year      BIGINT  NOT NULL,
    -- Named, for 0006 to replace it.
    origin           TEXT    NOT NULL CONSTRAINT bases_origin_check CHECK (origin IN ('uploaded', 'created')),
    sha256           TEXT    NOT NULL CHECK (length(sha256) = 64),
    size             BIGINT  NOT NULL CHECK (size >= 0),
    base_uid         TEXT    NOT NULL,
    students         BIGINT  NOT NULL,
    teachers         BIGINT  NOT NULL,
    classes          BIGINT  NOT NULL,
    grid             TEXT    NOT NULL,
    loaded_by        TEXT    NOT NULL,
    loaded_at        BIGINT  NOT NULL
);
CREATE INDEX bases_establishment ON bases (establishment_id);
CREATE INDEX bases_sha256 ON bases (sha256);

ALTER TABLE establishments ADD CONSTRAINT establishments_opened_base_id_fkey
    FOREIGN KEY (opened_base_id) REFERENCES bases (id);

CREATE TABLE annexes (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    base_id   BIGINT NOT NULL REFERENCES bases (id) ON DELETE CASCADE,
    kind      TEXT   NOT NULL,
    name      TEXT   NOT NULL,
    sha256    TEXT   NOT NULL CHECK (length(sha256) = 64),
    size      BIGINT NOT NULL CHECK (size >= 0),
    loaded_by TEXT   NOT NULL,
    loaded_at BIGINT NOT NULL,
    UNIQUE (base_id, kind)
);
CREATE INDEX annexes_sha256 ON annexes (sha256);

CREATE TABLE service_periods (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    base_id    BIGINT NOT NULL REFERENCES bases (id) ON DELETE CASCADE,
    started_at BIGINT NOT NULL,
    ended_at   BIGINT
);
CREATE INDEX service_periods_base ON service_periods (base_id);

CREATE TABLE journal (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    establishment_id BIGINT  REFERENCES establishments (id) ON DELETE SET NULL,
    at               BIGINT  NOT NULL,
    actor            TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    detail           TEXT    NOT NULL,
    ok               INTEGER NOT NULL
);
CREATE INDEX journal_establishment ON journal (establishment_id, at);
