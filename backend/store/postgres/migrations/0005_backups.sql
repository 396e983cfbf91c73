-- sqlite/migrations/0005_backups.sql: Sauvegardes (SPEC §6, §17).
ALTER TABLE bases ADD COLUMN deleted_at BIGINT;
CREATE INDEX bases_deleted ON bases (establishment_id) WHERE deleted_at IS NOT NULL;

-- The retention policy of each establishment.
ALTER TABLE establishments ADD COLUMN retention_days BIGINT NOT NULL DEFAULT 30
    CHECK (retention_days BETWEEN 1 AND 366);
ALTER TABLE establishments ADD COLUMN retention_weeks BIGINT NOT NULL DEFAULT 26
    CHECK (retention_weeks BETWEEN 0 AND 520);

-- The bytes the changes of each base take in a backup's download (20 bytes
-- plus the three texts in UTF-8: SQLite's length(CAST(… AS BLOB)) is
-- octet_length in a UTF8 database).
ALTER TABLE change_totals ADD COLUMN record_bytes BIGINT NOT NULL DEFAULT 0;
UPDATE change_totals SET record_bytes = (
    SELECT COALESCE(SUM(20 + octet_length(connection_id) + octet_length(author) + octet_length(what)), 0)
    FROM changes WHERE changes.base_id = change_totals.base_id);

-- Ids never reused (an identity, as every id here).
CREATE TABLE backups (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    -- No cascade: a base that backups capture is hidden, not deleted.
    base_id          BIGINT NOT NULL REFERENCES bases (id),
    at               BIGINT NOT NULL,
    kind             TEXT   NOT NULL CHECK (kind IN ('nuit', 'manuelle', 'avant remplacement', 'bascule')),
    actor            TEXT   NOT NULL,
    -- The night (YYYYMMDD, Paris) of a nightly backup: one per night.
    night            BIGINT,
    change_seq       BIGINT NOT NULL CHECK (change_seq >= 0),
    change_count     BIGINT NOT NULL CHECK (change_count >= 0),
    record_bytes     BIGINT NOT NULL CHECK (record_bytes >= 0),
    file_name        TEXT   NOT NULL,
    size             BIGINT NOT NULL CHECK (size > 0),
    CHECK ((kind = 'nuit') = (night IS NOT NULL))
);
CREATE UNIQUE INDEX backups_file_name ON backups (establishment_id, file_name);
CREATE INDEX backups_establishment ON backups (establishment_id, at);
CREATE INDEX backups_base ON backups (base_id);
CREATE UNIQUE INDEX backups_night ON backups (establishment_id, night) WHERE night IS NOT NULL;

-- The previous years' grid: the archived base of each school year.
CREATE TABLE archives (
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    school_year      BIGINT NOT NULL,
    base_id          BIGINT NOT NULL REFERENCES bases (id),
    archived_at      BIGINT NOT NULL,
    archived_by      TEXT   NOT NULL,
    PRIMARY KEY (establishment_id, school_year)
);
CREATE INDEX archives_base ON archives (base_id);

-- The annexes of the base when the backup was taken.
CREATE TABLE backup_annexes (
    backup_id BIGINT NOT NULL REFERENCES backups (id) ON DELETE CASCADE,
    kind      TEXT   NOT NULL,
    name      TEXT   NOT NULL,
    sha256    TEXT   NOT NULL CHECK (length(sha256) = 64),
    size      BIGINT NOT NULL CHECK (size >= 0),
    PRIMARY KEY (backup_id, kind)
);
CREATE INDEX backup_annexes_sha256 ON backup_annexes (sha256);

-- The stored files whose SHA-256 was checked, and how each looked on disk
-- then (filestore.Fingerprint).
CREATE TABLE checked_files (
    object      TEXT   PRIMARY KEY CHECK (length(object) = 64),
    size        BIGINT NOT NULL,
    mod_time    BIGINT NOT NULL,
    inode       BIGINT NOT NULL,
    change_time BIGINT NOT NULL
);
