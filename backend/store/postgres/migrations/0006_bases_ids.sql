-- sqlite/migrations/0006_bases_ids.sql rebuilds bases for two things
-- ALTER TABLE cannot do in SQLite. Base ids never reused: already so here,
-- bases.id being an identity since 0001. The origin 'restored', a base
-- opened from a backup or an instant: the check is replaced.
ALTER TABLE bases DROP CONSTRAINT bases_origin_check;
ALTER TABLE bases ADD CONSTRAINT bases_origin_check CHECK (origin IN ('uploaded', 'created', 'restored'));
