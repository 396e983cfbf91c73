-- migrate: rebuild
-- Base ids are never reused (AUTOINCREMENT): now that a deleted base goes
-- for good when nothing needs it, the next upload would otherwise take the
-- id of the newest one deleted, and a retried `base supprimer 57 -y` or a
-- console's stale selection would reach another base. A base opened from a
-- backup or an instant has its own origin, 'restored'.
CREATE TABLE bases_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    school_year      INTEGER NOT NULL,
    origin           TEXT    NOT NULL CHECK (origin IN ('uploaded', 'created', 'restored')),
    sha256           TEXT    NOT NULL CHECK (length(sha256) = 64),
    size             INTEGER NOT NULL CHECK (size >= 0),
    base_uid         TEXT    NOT NULL,
    students         INTEGER NOT NULL,
    teachers         INTEGER NOT NULL,
    classes          INTEGER NOT NULL,
    grid             TEXT    NOT NULL,
    loaded_by        TEXT    NOT NULL,
    loaded_at        INTEGER NOT NULL,
    deleted_at       INTEGER
);
INSERT INTO bases_new (id, establishment_id, name, school_year, origin, sha256, size, base_uid, students, teachers,
    classes, grid, loaded_by, loaded_at, deleted_at)
SELECT id, establishment_id, name, school_year, origin, sha256, size, base_uid, students, teachers,
    classes, grid, loaded_by, loaded_at, deleted_at FROM bases;
DROP TABLE bases;
ALTER TABLE bases_new RENAME TO bases;
CREATE INDEX bases_establishment ON bases (establishment_id);
CREATE INDEX bases_sha256 ON bases (sha256);
CREATE INDEX bases_deleted ON bases (establishment_id) WHERE deleted_at IS NOT NULL;
