-- Sauvegardes (SPEC §6, §17). A backup is a point of a base's change log
-- over its stored file: it copies nothing. A base deleted from Autres bases
-- is only hidden (deleted_at) while something still needs it: a backup, an
-- archived year, the opened base, or the 7 days of "Ouvrir l'état à une
-- date". The pruning deletes it for good once nothing does.
ALTER TABLE bases ADD COLUMN deleted_at INTEGER;
CREATE INDEX bases_deleted ON bases (establishment_id) WHERE deleted_at IS NOT NULL;

-- The retention policy of each establishment: every backup of the last
-- retention_days days, then the latest of each week for retention_weeks
-- weeks.
ALTER TABLE establishments ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 30
    CHECK (retention_days BETWEEN 1 AND 366);
ALTER TABLE establishments ADD COLUMN retention_weeks INTEGER NOT NULL DEFAULT 26
    CHECK (retention_weeks BETWEEN 0 AND 520);

-- The bytes the changes of each base take in a backup's download (the
-- records of hostfile's changes block: 20 bytes plus the three texts), kept
-- with every append so that a backup's size is known in O(1).
ALTER TABLE change_totals ADD COLUMN record_bytes INTEGER NOT NULL DEFAULT 0;
UPDATE change_totals SET record_bytes = (
    SELECT COALESCE(SUM(20 + length(CAST(connection_id AS BLOB)) + length(CAST(author AS BLOB)) + length(CAST(what AS BLOB))), 0)
    FROM changes WHERE changes.base_id = change_totals.base_id);

-- Ids are never reused (AUTOINCREMENT): a command or a console naming a
-- pruned backup by its number never reaches another one.
CREATE TABLE backups (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    -- No cascade: a base that backups capture is hidden, not deleted.
    base_id          INTEGER NOT NULL REFERENCES bases (id),
    at               INTEGER NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('nuit', 'manuelle', 'avant remplacement', 'bascule')),
    actor            TEXT    NOT NULL,
    -- The night (YYYYMMDD, Paris) of a nightly backup: one per night.
    night            INTEGER,
    -- The point of the base's change log: its last change (0: none), and
    -- how many changes and record bytes the log held up to it.
    change_seq       INTEGER NOT NULL CHECK (change_seq >= 0),
    change_count     INTEGER NOT NULL CHECK (change_count >= 0),
    record_bytes     INTEGER NOT NULL CHECK (record_bytes >= 0),
    -- Its name in sauvegardes/ (NAME-YYYYMMDD-HHMM.HNOT, "-2"… for a
    -- second one of the same minute) and the size of its download, fixed
    -- when it is taken: a name never changes, even when a pruning removes
    -- the backup it was told apart from.
    file_name        TEXT    NOT NULL,
    size             INTEGER NOT NULL CHECK (size > 0),
    CHECK ((kind = 'nuit') = (night IS NOT NULL))
);
CREATE UNIQUE INDEX backups_file_name ON backups (establishment_id, file_name);
CREATE INDEX backups_establishment ON backups (establishment_id, at);
CREATE INDEX backups_base ON backups (base_id);
CREATE UNIQUE INDEX backups_night ON backups (establishment_id, night) WHERE night IS NOT NULL;

-- The previous years' grid: the archived base of each school year.
CREATE TABLE archives (
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    school_year      INTEGER NOT NULL,
    base_id          INTEGER NOT NULL REFERENCES bases (id),
    archived_at      INTEGER NOT NULL,
    archived_by      TEXT    NOT NULL,
    PRIMARY KEY (establishment_id, school_year)
) WITHOUT ROWID;
CREATE INDEX archives_base ON archives (base_id);

-- The annexes of the base when the backup was taken: opening the backup
-- brings them back, and they keep their stored files while it lives.
CREATE TABLE backup_annexes (
    backup_id INTEGER NOT NULL REFERENCES backups (id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    sha256    TEXT    NOT NULL CHECK (length(sha256) = 64),
    size      INTEGER NOT NULL CHECK (size >= 0),
    PRIMARY KEY (backup_id, kind)
) WITHOUT ROWID;
CREATE INDEX backup_annexes_sha256 ON backup_annexes (sha256);

-- The stored files whose SHA-256 was checked, and how each looked on disk
-- then (filestore.Fingerprint: size, modification time, inode, status
-- change time): "Ouvrir cette sauvegarde" trusts a file unchanged since and
-- reads any other in full, so that it verifies the stored file without
-- reading 1 GB at every opening.
CREATE TABLE checked_files (
    object      TEXT    PRIMARY KEY CHECK (length(object) = 64),
    size        INTEGER NOT NULL,
    mod_time    INTEGER NOT NULL,
    inode       INTEGER NOT NULL,
    change_time INTEGER NOT NULL
) WITHOUT ROWID;
