-- sqlite/migrations/0009_invitations.sql: invitations of users of the
-- groupe Administration (SPEC §3), a one-time code valid 24 hours, stored as
-- its SHA-256 (hex) and its first group of four characters. Times are Unix
-- milliseconds, 0 for "not yet".
CREATE TABLE invitations (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    label            TEXT   NOT NULL CHECK (length(label) = 4),
    code_hash        TEXT   NOT NULL UNIQUE CHECK (length(code_hash) = 64),
    name             TEXT   NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    created_by       TEXT   NOT NULL,
    expires_at       BIGINT NOT NULL,
    used_at          BIGINT NOT NULL DEFAULT 0,
    used_by          TEXT   NOT NULL DEFAULT '',
    cancelled_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX invitations_establishment ON invitations (establishment_id, label);
