-- sqlite/migrations/0003_journal_addr.sql: where an action came from (a
-- client address, "local"), for the journal of Mon compte.
ALTER TABLE journal ADD COLUMN addr TEXT NOT NULL DEFAULT '';
