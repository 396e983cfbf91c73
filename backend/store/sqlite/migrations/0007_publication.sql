-- PRONOTE.net (SPEC §9): whether the base in service is published, which
-- Espaces are, and how users authenticate. Published, with every Espace and
-- the PRONOTE accounts, by default.
ALTER TABLE establishments ADD COLUMN published INTEGER NOT NULL DEFAULT 1 CHECK (published IN (0, 1));
-- The Espaces NOT published, as a comma-separated list of their ids
-- (professeur, parent, eleve, viescolaire): empty, every one is.
ALTER TABLE establishments ADD COLUMN espaces_off TEXT NOT NULL DEFAULT '';
ALTER TABLE establishments ADD COLUMN auth_mode TEXT NOT NULL DEFAULT 'pronote'
    CHECK (auth_mode IN ('pronote', 'cas', 'educonnect'));
-- The ENT and its CAS server, for auth_mode 'cas' (kept when another mode is
-- chosen, so that coming back to CAS finds them).
ALTER TABLE establishments ADD COLUMN cas_ent TEXT NOT NULL DEFAULT '';
ALTER TABLE establishments ADD COLUMN cas_url TEXT NOT NULL DEFAULT '';
