-- Invitations of users of the groupe Administration (SPEC §3): a one-time
-- code, valid 24 hours, created by the SPR. The code is never stored in
-- clear: code_hash is its SHA-256 (hex) and label its first group of four
-- characters, which lists and cancellations show. Times are Unix
-- milliseconds, 0 for "not yet".
CREATE TABLE invitations (
    id               INTEGER PRIMARY KEY,
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    label            TEXT    NOT NULL CHECK (length(label) = 4),
    code_hash        TEXT    NOT NULL UNIQUE CHECK (length(code_hash) = 64),
    name             TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    created_by       TEXT    NOT NULL,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER NOT NULL DEFAULT 0,
    used_by          TEXT    NOT NULL DEFAULT '',
    cancelled_at     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invitations_establishment ON invitations (establishment_id, label);
