-- sqlite/migrations/0007_publication.sql: PRONOTE.net (SPEC §9).
ALTER TABLE establishments ADD COLUMN published INTEGER NOT NULL DEFAULT 1 CHECK (published IN (0, 1));
-- The Espaces NOT published, comma-separated: empty, every one is.
ALTER TABLE establishments ADD COLUMN espaces_off TEXT NOT NULL DEFAULT '';
ALTER TABLE establishments ADD COLUMN auth_mode TEXT NOT NULL DEFAULT 'pronote'
    CHECK (auth_mode IN ('pronote', 'cas', 'educonnect'));
-- The ENT and its CAS server, for auth_mode 'cas'.
ALTER TABLE establishments ADD COLUMN cas_ent TEXT NOT NULL DEFAULT '';
ALTER TABLE establishments ADD COLUMN cas_url TEXT NOT NULL DEFAULT '';
