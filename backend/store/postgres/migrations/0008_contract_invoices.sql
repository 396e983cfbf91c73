-- sqlite/migrations/0008_contract_invoices.sql: the hosting contract (SPEC
-- §10), its period as Paris dates YYYY-MM-DD. A row that exists already gets
-- the day it was created (Paris) to the 31 August ending the school year
-- under way then. SQLite spells the EU summer-time rule out; PostgreSQL
-- knows the zone. created_at / 1000 is an integer division, as SQLite's.
ALTER TABLE establishments ADD COLUMN contract_from TEXT NOT NULL DEFAULT '';
ALTER TABLE establishments ADD COLUMN contract_until TEXT NOT NULL DEFAULT '';
UPDATE establishments SET contract_from =
    to_char(to_timestamp(created_at / 1000) AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD');
UPDATE establishments SET contract_until =
    to_char(CAST(substr(contract_from, 1, 4) AS INTEGER)
            + CASE WHEN CAST(substr(contract_from, 6, 2) AS INTEGER) >= 9 THEN 1 ELSE 0 END, 'FM0000') || '-08-31';

-- Invoices get a kind, the period they cover, their lines (JSON) and their
-- amounts in cents; the rows written before are invoices proper without
-- amounts (NULL).
ALTER TABLE invoices ADD COLUMN kind TEXT NOT NULL DEFAULT 'facture' CHECK (kind IN ('facture', 'pro-forma'));
ALTER TABLE invoices ADD COLUMN period_from TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN period_to TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN lines TEXT NOT NULL DEFAULT '[]';
ALTER TABLE invoices ADD COLUMN total_ht_cents BIGINT;
ALTER TABLE invoices ADD COLUMN vat_cents BIGINT;
ALTER TABLE invoices ADD COLUMN total_cents BIGINT;
-- One invoice proper per period: issuing twice fails even in a race.
CREATE UNIQUE INDEX invoices_one_per_period ON invoices (establishment_id, period_from)
    WHERE kind = 'facture' AND period_from <> '';
