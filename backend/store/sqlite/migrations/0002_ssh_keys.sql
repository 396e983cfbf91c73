CREATE TABLE ssh_keys (
    id               INTEGER PRIMARY KEY,
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    fingerprint      TEXT    NOT NULL UNIQUE,
    public_key       TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    role             TEXT    NOT NULL CHECK (role IN ('spr', 'admin')),
    added_at         INTEGER NOT NULL,
    last_used_at     INTEGER NOT NULL DEFAULT 0,
    revoked_at       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ssh_keys_establishment ON ssh_keys (establishment_id);
