-- sqlite/migrations/0002_ssh_keys.sql
CREATE TABLE ssh_keys (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    fingerprint      TEXT   NOT NULL UNIQUE,
    public_key       TEXT   NOT NULL,
    name             TEXT   NOT NULL,
    role             TEXT   NOT NULL CHECK (role IN ('spr', 'admin')),
    added_at         BIGINT NOT NULL,
    last_used_at     BIGINT NOT NULL DEFAULT 0,
    revoked_at       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ssh_keys_establishment ON ssh_keys (establishment_id);
