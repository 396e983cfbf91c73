-- The hosting contract (SPEC §10): its period, as Paris dates YYYY-MM-DD.
-- A row that exists already gets the day it was created (Paris) to the
-- 31 August ending the school year under way then (1 September to
-- 31 August), as a new establishment does. SQLite knows no time zone: the
-- Paris offset is +2 h between the last Sundays of March and of October at
-- 01:00 UTC, +1 h otherwise (the EU rule since 1996).
ALTER TABLE establishments ADD COLUMN contract_from TEXT NOT NULL DEFAULT '';
ALTER TABLE establishments ADD COLUMN contract_until TEXT NOT NULL DEFAULT '';
UPDATE establishments SET contract_from = date(created_at / 1000, 'unixepoch',
    CASE WHEN created_at / 1000 >= CAST(strftime('%s', strftime('%Y', created_at / 1000, 'unixepoch') || '-03-25', 'weekday 0', '+1 hour') AS INTEGER)
          AND created_at / 1000 < CAST(strftime('%s', strftime('%Y', created_at / 1000, 'unixepoch') || '-10-25', 'weekday 0', '+1 hour') AS INTEGER)
         THEN '+2 hours' ELSE '+1 hour' END);
UPDATE establishments SET contract_until =
    printf('%04d-08-31', CAST(substr(contract_from, 1, 4) AS INTEGER) + (CAST(substr(contract_from, 6, 2) AS INTEGER) >= 9));

-- Invoices get a kind (an invoice proper or a renewal's pro-forma), the
-- period they cover, their lines (JSON: label, quantity, unit_cents,
-- amount_cents) and their amounts in cents. The rows written before are
-- invoices proper without amounts (NULL), shown as "—".
ALTER TABLE invoices ADD COLUMN kind TEXT NOT NULL DEFAULT 'facture' CHECK (kind IN ('facture', 'pro-forma'));
ALTER TABLE invoices ADD COLUMN period_from TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN period_to TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE invoices ADD COLUMN total_ht_cents INTEGER;
ALTER TABLE invoices ADD COLUMN vat_cents INTEGER;
ALTER TABLE invoices ADD COLUMN total_cents INTEGER;
-- One invoice proper per period: issuing twice fails even in a race.
CREATE UNIQUE INDEX invoices_one_per_period ON invoices (establishment_id, period_from)
    WHERE kind = 'facture' AND period_from <> '';
