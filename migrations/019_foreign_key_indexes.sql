-- 019_foreign_key_indexes.sql: an index under each foreign key that points
-- into a table that grows (issue 8; found by pg_stat_statements during the
-- soak load over the benchmark's province of 10,000 units and 18,600
-- plans).
--
-- Deleting or re-keying a row makes PostgreSQL look for rows that still
-- name it, once per foreign key. Without an index on the referencing
-- column that look is a sequential scan:
--   * unit.successor_id: every DELETE of a unit read the whole unit table
--     (1,842 buffers, 5 ms of the 7 ms delete with 10,000 units);
--   * plan.superseded_by_id: likewise every DELETE of a plan read every
--     plan.
-- Few rows have either set, so the indexes are partial: the foreign key's
-- lookup (`successor_id = $1`, never NULL) can use them.
-- indicator.numerator_id/denominator_id stay without: the catalogue has a
-- few dozen indicators. tests/api/schema_indexes.test.mjs keeps the rule.

CREATE INDEX unit_successor_idx ON bdg.unit (successor_id) WHERE successor_id IS NOT NULL;
CREATE INDEX plan_superseded_by_idx ON bdg.plan (superseded_by_id) WHERE superseded_by_id IS NOT NULL;
