-- sqlite/migrations/0004_connections.sql: Suivi des connexions (SPEC §7,
-- §8, §17).

-- R, the administratif seats reserved for the groupe Administration.
ALTER TABLE establishments ADD COLUMN reserved_seats BIGINT NOT NULL DEFAULT 0 CHECK (reserved_seats >= 0);

-- The change log of each base, append-only (the trigger), only deleted
-- with its base.
CREATE TABLE changes (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    base_id          BIGINT NOT NULL REFERENCES bases (id) ON DELETE CASCADE,
    at               BIGINT NOT NULL,
    connection_id    TEXT   NOT NULL,
    author           TEXT   NOT NULL,
    what             TEXT   NOT NULL
);
CREATE INDEX changes_base ON changes (base_id, id);
-- The bytes and count of each base's log, kept with every append.
CREATE TABLE change_totals (
    base_id          BIGINT PRIMARY KEY REFERENCES bases (id) ON DELETE CASCADE,
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    bytes            BIGINT NOT NULL,
    count            BIGINT NOT NULL
);
CREATE INDEX change_totals_establishment ON change_totals (establishment_id);

-- SQLite's RAISE(ABORT, …) in a BEFORE UPDATE trigger: a row trigger, as
-- SQLite's are, so an update of no row passes.
CREATE FUNCTION changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the change log is append-only';
END
$$;
CREATE TRIGGER changes_append_only BEFORE UPDATE ON changes
    FOR EACH ROW EXECUTE FUNCTION changes_append_only();

-- One row per establishment and 5 minutes.
CREATE TABLE connection_history (
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    bucket           BIGINT NOT NULL,
    administratif    BIGINT NOT NULL,
    enseignant       BIGINT NOT NULL,
    viescolaire      BIGINT NOT NULL,
    espaces          BIGINT NOT NULL,
    refused          BIGINT NOT NULL,
    PRIMARY KEY (establishment_id, bucket)
);

-- The latest refusals of each establishment.
CREATE TABLE connection_refusals (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    establishment_id BIGINT NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    at               BIGINT NOT NULL,
    user_name        TEXT   NOT NULL,
    group_name       TEXT   NOT NULL,
    mode             TEXT   NOT NULL,
    addr             TEXT   NOT NULL,
    reason           TEXT   NOT NULL
);
CREATE INDEX connection_refusals_establishment ON connection_refusals (establishment_id, id);
