-- The yearly switch of version (SPEC §11): the day of August (21 to 24) on
-- which each establishment switches automatically, drawn per establishment
-- (spread from the id for the establishments that exist already).
ALTER TABLE establishments ADD COLUMN switch_day INTEGER NOT NULL DEFAULT 21 CHECK (switch_day BETWEEN 21 AND 24);
UPDATE establishments SET switch_day = 21 + (id % 4);
