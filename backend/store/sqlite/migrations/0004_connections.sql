-- Suivi des connexions (SPEC §7, §8, §17). The live connections are held in
-- memory by the process serving the stand-in (backend/seats); what they
-- leave behind is here.

-- R, the administratif seats reserved for the groupe Administration
-- (0 ≤ R ≤ L, checked by the back end, which also keeps it ≤ L when L is
-- lowered).
ALTER TABLE establishments ADD COLUMN reserved_seats INTEGER NOT NULL DEFAULT 0 CHECK (reserved_seats >= 0);

-- The change log of each base: what connected clients wrote to it while in
-- service, in order. Append-only: a row is never updated (the trigger), and
-- only deleted with its base.
CREATE TABLE changes (
    id               INTEGER PRIMARY KEY,
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    base_id          INTEGER NOT NULL REFERENCES bases (id) ON DELETE CASCADE,
    at               INTEGER NOT NULL,
    connection_id    TEXT NOT NULL,
    author           TEXT NOT NULL,
    what             TEXT NOT NULL
);
CREATE INDEX changes_base ON changes (base_id, id);
-- The bytes and count of each base's log, kept with every append, so that
-- the quota reads one row per base instead of summing the log.
CREATE TABLE change_totals (
    base_id          INTEGER PRIMARY KEY REFERENCES bases (id) ON DELETE CASCADE,
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    bytes            INTEGER NOT NULL,
    count            INTEGER NOT NULL
);
CREATE INDEX change_totals_establishment ON change_totals (establishment_id);

CREATE TRIGGER changes_append_only BEFORE UPDATE ON changes
BEGIN
    SELECT RAISE(ABORT, 'the change log is append-only');
END;

-- One row per establishment and 5 minutes: the most connections held at
-- once per kind, and the connections refused for lack of a licence.
CREATE TABLE connection_history (
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    bucket           INTEGER NOT NULL,
    administratif    INTEGER NOT NULL,
    enseignant       INTEGER NOT NULL,
    viescolaire      INTEGER NOT NULL,
    espaces          INTEGER NOT NULL,
    refused          INTEGER NOT NULL,
    PRIMARY KEY (establishment_id, bucket)
) WITHOUT ROWID;

-- The latest refusals of each establishment (a few dozen are kept).
CREATE TABLE connection_refusals (
    id               INTEGER PRIMARY KEY,
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    at               INTEGER NOT NULL,
    user_name        TEXT NOT NULL,
    group_name       TEXT NOT NULL,
    mode             TEXT NOT NULL,
    addr             TEXT NOT NULL,
    reason           TEXT NOT NULL
);
CREATE INDEX connection_refusals_establishment ON connection_refusals (establishment_id, id);
