-- Where an action came from (a client address, "local"), for the journal of
-- Mon compte: who, when, what, outcome, from where.
ALTER TABLE journal ADD COLUMN addr TEXT NOT NULL DEFAULT '';
