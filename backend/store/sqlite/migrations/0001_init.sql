CREATE TABLE establishments (
    id               INTEGER PRIMARY KEY,
    hosting_number   TEXT    NOT NULL UNIQUE CHECK (length(hosting_number) = 12),
    name             TEXT    NOT NULL,
    uai              TEXT    NOT NULL,
    email            TEXT    NOT NULL,
    phone            TEXT    NOT NULL,
    admin_seats      INTEGER NOT NULL CHECK (admin_seats >= 0),
    teacher_seats    INTEGER NOT NULL CHECK (teacher_seats >= 0),
    quota_bytes      INTEGER NOT NULL CHECK (quota_bytes > 0),
    password_hash    TEXT    NOT NULL,
    first_login_done INTEGER NOT NULL DEFAULT 0,
    failed_logins    INTEGER NOT NULL DEFAULT 0,
    locked_until     INTEGER NOT NULL DEFAULT 0,
    server_state     TEXT    NOT NULL DEFAULT 'stopped' CHECK (server_state IN ('stopped', 'running')),
    opened_base_id   INTEGER REFERENCES bases (id),
    version          INTEGER NOT NULL,
    revision         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL
);

CREATE TABLE invoices (
    id               INTEGER PRIMARY KEY,
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    number           TEXT    NOT NULL UNIQUE CHECK (length(number) = 10),
    issued_at        INTEGER NOT NULL,
    label            TEXT    NOT NULL
);
CREATE INDEX invoices_establishment ON invoices (establishment_id, issued_at);

CREATE TABLE bases (
    id               INTEGER PRIMARY KEY,
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    school_year      INTEGER NOT NULL,
    origin           TEXT    NOT NULL CHECK (origin IN ('uploaded', 'created')),
    sha256           TEXT    NOT NULL CHECK (length(sha256) = 64),
    size             INTEGER NOT NULL CHECK (size >= 0),
    base_uid         TEXT    NOT NULL,
    students         INTEGER NOT NULL,
    teachers         INTEGER NOT NULL,
    classes          INTEGER NOT NULL,
    grid             TEXT    NOT NULL,
    loaded_by        TEXT    NOT NULL,
    loaded_at        INTEGER NOT NULL
);
CREATE INDEX bases_establishment ON bases (establishment_id);
CREATE INDEX bases_sha256 ON bases (sha256);

CREATE TABLE annexes (
    id        INTEGER PRIMARY KEY,
    base_id   INTEGER NOT NULL REFERENCES bases (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    sha256    TEXT    NOT NULL CHECK (length(sha256) = 64),
    size      INTEGER NOT NULL CHECK (size >= 0),
    loaded_by TEXT    NOT NULL,
    loaded_at INTEGER NOT NULL,
    UNIQUE (base_id, kind)
);
CREATE INDEX annexes_sha256 ON annexes (sha256);

CREATE TABLE service_periods (
    id         INTEGER PRIMARY KEY,
    base_id    INTEGER NOT NULL REFERENCES bases (id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
);
CREATE INDEX service_periods_base ON service_periods (base_id);

CREATE TABLE journal (
    id               INTEGER PRIMARY KEY,
    establishment_id INTEGER REFERENCES establishments (id) ON DELETE SET NULL,
    at               INTEGER NOT NULL,
    actor            TEXT    NOT NULL,
    action           TEXT    NOT NULL,
    detail           TEXT    NOT NULL,
    ok               INTEGER NOT NULL
);
CREATE INDEX journal_establishment ON journal (establishment_id, at);
